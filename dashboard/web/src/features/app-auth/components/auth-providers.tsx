import { type FormEvent, useState } from 'react';
import { FormError } from '../../../components/status.js';
import {
  type AuthProviderInfo,
  type AuthProviderKind,
  useCreateProvider,
  useDeleteProvider,
  useUpdateProvider,
} from '../api/app-auth.js';

const KINDS: { value: AuthProviderKind; label: string }[] = [
  { value: 'github', label: 'GitHub' },
  { value: 'google', label: 'Google' },
  { value: 'oidc', label: 'OpenID Connect (any issuer, by discovery)' },
];

/** The app's sign-in providers; a client secret is write-only: it can be replaced, never read. */
export function AuthProviders({ appId, providers }: { appId: string; providers: AuthProviderInfo[] }) {
  const remove = useDeleteProvider(appId);
  return (
    <section className="card" aria-label="Sign-in providers">
      <h3>Sign-in providers</h3>
      {providers.length === 0 ? (
        <p className="muted">No provider yet: users sign in with email and password.</p>
      ) : (
        <ul className="provider-list">
          {providers.map((p) => (
            <li key={p.id} data-provider={p.id}>
              <strong>{p.id}</strong> <span className="muted">({p.kind})</span> client{' '}
              <code>{p.clientId}</code>
              {p.issuer && (
                <>
                  {' '}
                  issuer <code>{p.issuer}</code>
                </>
              )}
              <span className="muted"> · secret: set (hidden)</span>
              <ReplaceSecret appId={appId} providerId={p.id} />
              <button
                type="button"
                className="button small danger"
                disabled={remove.isPending}
                onClick={() => remove.mutate(p.id)}
              >
                Delete {p.id}
              </button>
            </li>
          ))}
        </ul>
      )}
      <FormError error={remove.error} />
      <AddProviderForm appId={appId} />
    </section>
  );
}

function ReplaceSecret({ appId, providerId }: { appId: string; providerId: string }) {
  const [secret, setSecret] = useState('');
  const update = useUpdateProvider(appId);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    update.mutate({ id: providerId, patch: { clientSecret: secret } }, { onSuccess: () => setSecret('') });
  };
  return (
    <form className="inline-form" onSubmit={submit} aria-label={`Replace the client secret of ${providerId}`}>
      <input
        type="password"
        name="newClientSecret"
        required
        maxLength={512}
        autoComplete="off"
        placeholder="New client secret"
        value={secret}
        onChange={(e) => setSecret(e.target.value)}
      />
      <button type="submit" className="button small" disabled={update.isPending}>
        Replace secret
      </button>
      {update.isSuccess && <span role="status"> Secret replaced.</span>}
      <FormError error={update.error} />
    </form>
  );
}

function AddProviderForm({ appId }: { appId: string }) {
  const empty = {
    id: '',
    kind: 'github' as AuthProviderKind,
    issuer: '',
    clientId: '',
    clientSecret: '',
    scopes: '',
  };
  const [draft, setDraft] = useState(empty);
  const create = useCreateProvider(appId);
  const set = (key: keyof typeof empty) => (e: { target: { value: string } }) =>
    setDraft((d) => ({ ...d, [key]: e.target.value }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const scopes = draft.scopes.split(/\s+/).filter(Boolean);
    create.mutate(
      {
        id: draft.id.trim(),
        kind: draft.kind,
        ...(draft.kind !== 'google' && draft.issuer.trim() ? { issuer: draft.issuer.trim() } : {}),
        clientId: draft.clientId.trim(),
        clientSecret: draft.clientSecret,
        ...(scopes.length ? { scopes } : {}),
      },
      // The secret leaves the page's state as soon as the server has it.
      { onSuccess: () => setDraft(empty) },
    );
  };
  return (
    <form className="settings" onSubmit={submit} aria-label="Add a sign-in provider">
      <h4>Add a provider</h4>
      <label className="field">
        <span>Provider id (a-z, 0-9, _ and -)</span>
        <input name="providerId" required pattern="[a-z0-9_\-]{1,64}" value={draft.id} onChange={set('id')} />
      </label>
      <label className="field">
        <span>Kind</span>
        <select name="kind" value={draft.kind} onChange={set('kind')}>
          {KINDS.map((k) => (
            <option key={k.value} value={k.value}>
              {k.label}
            </option>
          ))}
        </select>
      </label>
      {draft.kind !== 'google' && (
        <label className="field">
          <span>{draft.kind === 'oidc' ? 'Issuer URL' : 'GitHub Enterprise URL (empty: github.com)'}</span>
          <input
            name="issuer"
            type="url"
            required={draft.kind === 'oidc'}
            value={draft.issuer}
            onChange={set('issuer')}
          />
        </label>
      )}
      <label className="field">
        <span>Client id</span>
        <input name="clientId" required maxLength={512} value={draft.clientId} onChange={set('clientId')} />
      </label>
      <label className="field">
        <span>Client secret (stored encrypted; never shown again)</span>
        <input
          name="clientSecret"
          type="password"
          required
          maxLength={512}
          autoComplete="off"
          value={draft.clientSecret}
          onChange={set('clientSecret')}
        />
      </label>
      <label className="field">
        <span>Scopes (space separated; empty: the kind's defaults)</span>
        <input name="scopes" value={draft.scopes} onChange={set('scopes')} spellCheck={false} />
      </label>
      <FormError error={create.error} />
      <button type="submit" className="button primary" disabled={create.isPending}>
        {create.isPending ? 'Adding…' : 'Add provider'}
      </button>
    </form>
  );
}
