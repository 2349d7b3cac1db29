import { type FormEvent, useState } from 'react';
import { describeError } from '../../../lib/http.js';
import { useSaveToken } from '../api/connection.js';

/** Asks for the admin token when neither the daemon nor the URL fragment gave one. */
export function TokenPrompt({ reason }: { reason?: string | undefined }) {
  const [token, setToken] = useState('');
  const save = useSaveToken();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (token.trim()) save.mutate(token);
  };
  return (
    <form className="panel token-prompt" onSubmit={submit} aria-label="admin token">
      <h2>Admin token needed</h2>
      <p>
        {reason ??
          'The inspector API needs the stack’s admin token (RELAYBOX_ADMIN_TOKEN, or <dataDir>/admin-token).'}
      </p>
      <label>
        Admin token
        <input
          type="password"
          autoComplete="off"
          value={token}
          onChange={(event) => setToken(event.target.value)}
          name="token"
        />
      </label>
      <button type="submit" disabled={!token.trim()}>
        Use token
      </button>
      {save.isError && <p className="error">{describeError(save.error)}</p>}
    </form>
  );
}
