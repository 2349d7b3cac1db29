import { useState } from 'react';
import { ConfirmDialog } from '../../../components/confirm-dialog.js';
import { SecretDialog } from '../../../components/secret-dialog.js';
import { EmptyState, ErrorState, Loading } from '../../../components/status.js';
import { formatTime } from '../../../lib/format.js';
import { useCurrentApp } from '../../apps/components/app-page.js';
import { type ApiKeyInfo, useKeys, useRevokeKey, useRotateKey } from '../api/keys.js';
import { CreateKeyForm } from './create-key-form.js';

type Pending = { action: 'revoke' | 'rotate'; key: ApiKeyInfo } | null;

export function KeysTab() {
  const app = useCurrentApp();
  const keys = useKeys(app.id);
  const [creating, setCreating] = useState(false);
  // The only place a secret lives in the UI; cleared when its dialog closes.
  const [secret, setSecret] = useState<string | null>(null);
  const [pending, setPending] = useState<Pending>(null);

  return (
    <>
      <div className="section-head">
        <h2>API keys</h2>
        {!creating && (
          <button type="button" className="button primary" onClick={() => setCreating(true)}>
            New key
          </button>
        )}
      </div>
      {creating && (
        <CreateKeyForm
          appId={app.id}
          onCancel={() => setCreating(false)}
          onCreated={(apiKey) => {
            setCreating(false);
            setSecret(apiKey);
          }}
        />
      )}
      {keys.isPending && <Loading label="Loading keys…" />}
      {keys.isError && <ErrorState error={keys.error} onRetry={() => keys.refetch()} />}
      {keys.data?.length === 0 && !creating && (
        <EmptyState title="No API keys yet">
          Create a key to connect clients and call the REST API.
        </EmptyState>
      )}
      {keys.data && keys.data.length > 0 && (
        <ul className="cards key-list">
          {keys.data.map((key) => (
            <KeyCard key={key.id} apiKey={key} onAction={(action) => setPending({ action, key })} />
          ))}
        </ul>
      )}
      {pending && (
        <KeyActionDialog
          appId={app.id}
          pending={pending}
          onClose={() => setPending(null)}
          onRotated={(apiKey) => {
            setPending(null);
            setSecret(apiKey);
          }}
        />
      )}
      {secret && (
        <SecretDialog
          title="Your new API key"
          label="API key"
          secret={secret}
          onDone={() => setSecret(null)}
        />
      )}
    </>
  );
}

function KeyCard({
  apiKey,
  onAction,
}: {
  apiKey: ApiKeyInfo;
  onAction: (action: 'revoke' | 'rotate') => void;
}) {
  const revoked = apiKey.revokedAt !== null;
  return (
    <li className={`card key${revoked ? ' revoked' : ''}`} data-key-name={apiKey.name}>
      <div className="key-head">
        <strong>{apiKey.name}</strong>
        <span className={`badge ${revoked ? 'badge-off' : 'badge-on'}`}>
          {revoked ? 'Revoked' : 'Active'}
        </span>
      </div>
      <dl className="meta">
        <dt>Key</dt>
        <dd>
          <code>{apiKey.prefix}</code>
        </dd>
        <dt>Created</dt>
        <dd>{formatTime(apiKey.createdAt)}</dd>
        <dt>Last used</dt>
        <dd>{apiKey.lastUsedAt ? formatTime(apiKey.lastUsedAt) : 'never'}</dd>
        {revoked && (
          <>
            <dt>Revoked</dt>
            <dd>{formatTime(apiKey.revokedAt as string)}</dd>
          </>
        )}
      </dl>
      <ul className="perm-summary" aria-label="Permissions">
        {Object.entries(apiKey.permissions).map(([pattern, ops]) => (
          <li key={pattern}>
            <code>{pattern}</code> {ops.join(', ')}
          </li>
        ))}
      </ul>
      {!revoked && (
        <div className="actions">
          <button type="button" className="button small" onClick={() => onAction('rotate')}>
            Rotate
          </button>
          <button type="button" className="button small danger" onClick={() => onAction('revoke')}>
            Revoke
          </button>
        </div>
      )}
    </li>
  );
}

function KeyActionDialog({
  appId,
  pending,
  onClose,
  onRotated,
}: {
  appId: string;
  pending: NonNullable<Pending>;
  onClose: () => void;
  onRotated: (apiKey: string) => void;
}) {
  const revoke = useRevokeKey(appId);
  const rotate = useRotateKey(appId);
  const { action, key } = pending;
  const mutation = action === 'revoke' ? revoke : rotate;
  const confirm = () => {
    if (action === 'revoke') revoke.mutate(key.id, { onSuccess: onClose });
    else rotate.mutate(key.id, { onSuccess: (issued) => onRotated(issued.apiKey) });
  };
  return (
    <ConfirmDialog
      title={action === 'revoke' ? `Revoke key "${key.name}"?` : `Rotate key "${key.name}"?`}
      confirmLabel={action === 'revoke' ? 'Revoke key' : 'Rotate key'}
      pending={mutation.isPending}
      error={mutation.error}
      onConfirm={confirm}
      onCancel={onClose}
    >
      {action === 'revoke'
        ? 'Clients and servers using this key are refused within seconds. This cannot be undone.'
        : 'A new secret replaces the current one, which stops working at once. Update every place that uses it.'}
    </ConfirmDialog>
  );
}
