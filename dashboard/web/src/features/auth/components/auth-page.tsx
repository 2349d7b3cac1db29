import { type FormEvent, useState } from 'react';
import { Link, Navigate, useLocation, useNavigate } from 'react-router';
import { FormError, Loading } from '../../../components/status.js';
import { useMe, useStartSession } from '../api/auth.js';

const COPY = {
  signin: {
    title: 'Sign in',
    submit: 'Sign in',
    other: 'No account yet?',
    link: 'Create one',
    to: '/signup',
  },
  signup: {
    title: 'Create your account',
    submit: 'Sign up',
    other: 'Have an account?',
    link: 'Sign in',
    to: '/signin',
  },
} as const;

/** Sign-in and sign-up share one form; a signed-in visitor goes straight to where they came from. */
export function AuthPage({ mode }: { mode: 'signin' | 'signup' }) {
  const me = useMe();
  const start = useStartSession(mode);
  const navigate = useNavigate();
  const location = useLocation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const from = (location.state as { from?: string } | null)?.from ?? '/';
  const copy = COPY[mode];

  if (me.isPending) return <Loading />;
  if (me.data) return <Navigate to={from} replace />;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    start.mutate({ email, password }, { onSuccess: () => navigate(from, { replace: true }) });
  };
  return (
    <main className="auth">
      <form className="card auth-card" onSubmit={submit}>
        <h1>{copy.title}</h1>
        <label className="field">
          <span>Email</span>
          <input
            type="email"
            name="email"
            autoComplete="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </label>
        <label className="field">
          <span>Password</span>
          <input
            type="password"
            name="password"
            autoComplete={mode === 'signup' ? 'new-password' : 'current-password'}
            required
            minLength={mode === 'signup' ? 10 : undefined}
            maxLength={200}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          {mode === 'signup' && <small className="hint">At least 10 characters.</small>}
        </label>
        <FormError error={start.error} />
        <button type="submit" className="button primary" disabled={start.isPending}>
          {start.isPending ? 'Please wait…' : copy.submit}
        </button>
        <p className="hint">
          {copy.other} <Link to={copy.to}>{copy.link}</Link>
        </p>
      </form>
    </main>
  );
}
