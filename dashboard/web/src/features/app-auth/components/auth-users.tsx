import { useState } from 'react';
import { EmptyState, ErrorState, FormError, Loading } from '../../../components/status.js';
import { type AdminUser, useRevokeUserSessions, useSetUserDisabled, useUsers } from '../api/app-auth.js';

/**
 * The app's end users, a page at a time (cursor pagination: "Next page" / "First page"). Disabling
 * a user or revoking its sessions closes its open connections on every gateway.
 */
export function AuthUsers({ appId }: { appId: string }) {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1] ?? null;
  const users = useUsers(appId, cursor);
  const disable = useSetUserDisabled(appId);
  const revoke = useRevokeUserSessions(appId);
  return (
    <section className="card" aria-label="Users">
      <h3>Users</h3>
      {users.isPending && <Loading label="Loading users…" />}
      {users.isError && <ErrorState error={users.error} onRetry={() => users.refetch()} />}
      {users.data && users.data.items.length === 0 && (
        <EmptyState title="No users yet">Users appear here once they sign up.</EmptyState>
      )}
      {users.data && users.data.items.length > 0 && (
        <ul className="user-list">
          {users.data.items.map((user) => (
            <UserRow
              key={user.id}
              user={user}
              busy={disable.isPending || revoke.isPending}
              onDisable={(disabled) => disable.mutate({ userId: user.id, disabled })}
              onRevoke={() => revoke.mutate(user.id)}
              revoked={revoke.isSuccess && revoke.variables === user.id ? revoke.data.revoked : undefined}
            />
          ))}
        </ul>
      )}
      <FormError error={disable.error ?? revoke.error} />
      <div className="actions">
        {cursors.length > 1 && (
          <button type="button" className="button small" onClick={() => setCursors([null])}>
            First page
          </button>
        )}
        {users.data?.next && (
          <button
            type="button"
            className="button small"
            onClick={() => setCursors((c) => [...c, users.data?.next ?? null])}
          >
            Next page
          </button>
        )}
      </div>
    </section>
  );
}

function UserRow({
  user,
  busy,
  onDisable,
  onRevoke,
  revoked,
}: {
  user: AdminUser;
  busy: boolean;
  onDisable: (disabled: boolean) => void;
  onRevoke: () => void;
  revoked: number | undefined;
}) {
  return (
    <li data-user={user.email}>
      <span className="break">{user.email}</span>
      {user.displayName && <span className="muted"> ({user.displayName})</span>}
      <span className="muted"> · {user.disabled ? 'disabled' : 'active'}</span>
      <span className="muted"> · since {new Date(user.createdAt).toLocaleDateString()}</span>
      <button
        type="button"
        className="button small"
        disabled={busy}
        onClick={() => onDisable(!user.disabled)}
      >
        {user.disabled ? 'Enable' : 'Disable'} {user.email}
      </button>
      <button type="button" className="button small danger" disabled={busy} onClick={onRevoke}>
        Revoke sessions of {user.email}
      </button>
      {revoked !== undefined && <span role="status"> Sessions revoked ({revoked}).</span>}
    </li>
  );
}
