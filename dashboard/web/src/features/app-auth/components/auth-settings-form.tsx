import { type FormEvent, useState } from 'react';
import { FormError } from '../../../components/status.js';
import { PermissionEditor } from '../../keys/components/permission-editor.js';
import { fromPermissionMap, rowsValid, toPermissionMap } from '../../keys/components/permission-rows.js';
import { type AppAuthSettings, type MfaPolicy, useUpdateAppAuth } from '../api/app-auth.js';
import { SignInFields, signInFieldsFrom, signInFieldsPatch } from './auth-sign-in-fields.js';

const MFA_POLICIES: { value: MfaPolicy; label: string }[] = [
  { value: 'off', label: 'Off: no authenticator can be enrolled' },
  { value: 'optional', label: 'Optional: users may enrol an authenticator' },
  { value: 'required', label: 'Required: every user must enrol one' },
];

const TTL_FIELDS = [
  { key: 'accessTokenTtlSec', label: 'Access token lifetime (seconds)', min: 30, max: 86_400 },
  {
    key: 'refreshTokenTtlSec',
    label: 'Session lifetime after the last refresh (seconds)',
    min: 300,
    max: 31_536_000,
  },
  { key: 'minPasswordLength', label: 'Minimum password length', min: 8, max: 128 },
] as const;

type NumberKey = (typeof TTL_FIELDS)[number]['key'];

/** The user pool's settings, saved together; the server validates the bounds. */
export function AuthSettingsForm({ appId, settings }: { appId: string; settings: AppAuthSettings }) {
  const [enabled, setEnabled] = useState(settings.enabled);
  const [mfa, setMfa] = useState(settings.mfa);
  const [redirectUris, setRedirectUris] = useState(settings.redirectUris.join('\n'));
  const [rows, setRows] = useState(() => fromPermissionMap(settings.userPermissions));
  const [numbers, setNumbers] = useState<Record<NumberKey, string>>({
    accessTokenTtlSec: String(settings.accessTokenTtlSec),
    refreshTokenTtlSec: String(settings.refreshTokenTtlSec),
    minPasswordLength: String(settings.minPasswordLength),
  });
  const [signIn, setSignIn] = useState(() => signInFieldsFrom(settings));
  const update = useUpdateAppAuth(appId);
  const valid = rowsValid(rows);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!valid) return;
    update.mutate({
      enabled,
      mfa,
      redirectUris: redirectUris
        .split(/\s+/)
        .map((u) => u.trim())
        .filter(Boolean),
      userPermissions: toPermissionMap(rows),
      accessTokenTtlSec: Number(numbers.accessTokenTtlSec),
      refreshTokenTtlSec: Number(numbers.refreshTokenTtlSec),
      minPasswordLength: Number(numbers.minPasswordLength),
      ...signInFieldsPatch(signIn),
    });
  };
  return (
    <form className="card settings" onSubmit={submit} aria-label="Auth settings">
      <label className="check">
        <input
          type="checkbox"
          name="enabled"
          checked={enabled}
          onChange={(e) => setEnabled(e.target.checked)}
        />
        Enable the user pool (sign-up and sign-in under <code>/v1/auth/{appId}</code>)
      </label>
      <label className="field">
        <span>Multi-factor authentication</span>
        <select name="mfa" value={mfa} onChange={(e) => setMfa(e.target.value as MfaPolicy)}>
          {MFA_POLICIES.map((p) => (
            <option key={p.value} value={p.value}>
              {p.label}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Redirect allow list: OAuth callback pages, one per line (matched exactly)</span>
        <textarea
          name="redirectUris"
          rows={3}
          value={redirectUris}
          onChange={(e) => setRedirectUris(e.target.value)}
          placeholder="https://app.example.com/auth/callback"
          spellCheck={false}
        />
      </label>
      <p className="hint">What every signed-in user may do (a user's own permissions can only narrow it):</p>
      <PermissionEditor rows={rows} onChange={setRows} />
      <fieldset>
        <legend>Sessions and passwords</legend>
        {TTL_FIELDS.map((f) => (
          <label key={f.key} className="field">
            <span>{f.label}</span>
            <input
              type="number"
              name={f.key}
              min={f.min}
              max={f.max}
              step={1}
              required
              value={numbers[f.key]}
              onChange={(e) => setNumbers((n) => ({ ...n, [f.key]: e.target.value }))}
            />
          </label>
        ))}
      </fieldset>
      <SignInFields state={signIn} onChange={setSignIn} />
      <FormError error={update.error} />
      {update.isSuccess && (
        <p className="hint" role="status">
          Saved.
        </p>
      )}
      <button type="submit" className="button primary" disabled={!valid || update.isPending}>
        {update.isPending ? 'Saving…' : 'Save auth settings'}
      </button>
    </form>
  );
}
