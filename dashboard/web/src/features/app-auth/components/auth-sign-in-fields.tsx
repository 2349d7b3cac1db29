import type { AppAuthSettings } from '../api/app-auth.js';

/** The form's text of the sign-in, mail and verification settings (docs/control-plane.md#auth). */
export interface SignInFieldsState {
  appName: string;
  verifyUrl: string;
  resetUrl: string;
  requireEmailVerification: boolean;
  perAccount: string;
  perAddress: string;
  windowSec: string;
}

export function signInFieldsFrom(settings: AppAuthSettings): SignInFieldsState {
  return {
    appName: settings.appName ?? '',
    verifyUrl: settings.emailLinks.verifyUrl ?? '',
    resetUrl: settings.emailLinks.resetUrl ?? '',
    requireEmailVerification: settings.requireEmailVerification,
    perAccount: String(settings.signInLimits.perAccount),
    perAddress: String(settings.signInLimits.perAddress),
    windowSec: String(settings.signInLimits.windowSec),
  };
}

/** An empty text clears the value (app name: the app id; a link: that mail is not sent). */
export function signInFieldsPatch(s: SignInFieldsState) {
  const orNull = (v: string) => (v.trim() === '' ? null : v.trim());
  return {
    appName: orNull(s.appName),
    emailLinks: { verifyUrl: orNull(s.verifyUrl), resetUrl: orNull(s.resetUrl) },
    requireEmailVerification: s.requireEmailVerification,
    signInLimits: {
      perAccount: Number(s.perAccount),
      perAddress: Number(s.perAddress),
      windowSec: Number(s.windowSec),
    },
  };
}

const LIMITS = [
  { key: 'perAccount', label: 'Sign-in attempts per account per window', max: 1000 },
  { key: 'perAddress', label: 'Sign-in attempts per client address per window', max: 100_000 },
  { key: 'windowSec', label: 'Window (seconds)', max: 86_400 },
] as const;

const LINKS = [
  { key: 'verifyUrl', label: 'Email verification page (the link carries the token in its fragment)' },
  { key: 'resetUrl', label: 'Password reset page' },
] as const;

/** A section of the auth settings form; the server checks the bounds and URLs (docs/auth.md). */
export function SignInFields({
  state,
  onChange,
}: {
  state: SignInFieldsState;
  onChange: (next: SignInFieldsState) => void;
}) {
  const set = (patch: Partial<SignInFieldsState>) => onChange({ ...state, ...patch });
  return (
    <fieldset>
      <legend>Sign-in limits and mails</legend>
      <label className="field">
        <span>App name in mails and authenticator apps (empty: the app id)</span>
        <input
          name="appName"
          maxLength={100}
          value={state.appName}
          onChange={(e) => set({ appName: e.target.value })}
        />
      </label>
      {LINKS.map((l) => (
        <label key={l.key} className="field">
          <span>{l.label} (empty: that mail is not sent)</span>
          <input
            type="url"
            name={l.key}
            value={state[l.key]}
            placeholder="https://app.example.com/auth/verify"
            onChange={(e) => set({ [l.key]: e.target.value })}
          />
        </label>
      ))}
      <label className="check">
        <input
          type="checkbox"
          name="requireEmailVerification"
          checked={state.requireEmailVerification}
          onChange={(e) => set({ requireEmailVerification: e.target.checked })}
        />
        Require a verified email before sign-in (needs the verification page)
      </label>
      {LIMITS.map((f) => (
        <label key={f.key} className="field">
          <span>{f.label}</span>
          <input
            type="number"
            name={f.key}
            min={1}
            max={f.max}
            step={1}
            required
            value={state[f.key]}
            onChange={(e) => set({ [f.key]: e.target.value })}
          />
        </label>
      ))}
    </fieldset>
  );
}
