import type { AdminAuthUser } from '@relaybox/protocol';
import { useState } from 'react';
import { formatAge } from '../../../lib/format.js';
import { describeError } from '../../../lib/http.js';
import { Empty, QueryState } from '../../../lib/query-state.js';
import { useAuthUsers, useRevokeUser, useSetUserDisabled } from '../api/auth.js';
import { UserSessions } from './user-sessions.js';

const when = (ts: number | null) => (ts === null ? '—' : `${formatAge(ts)} ago`);

/** The app's users: disable/enable, revoke every session (closes their connections), show sessions. */
export function UsersPanel({ appId }: { appId: string }) {
  const query = useAuthUsers(appId);
  const setDisabled = useSetUserDisabled();
  const revoke = useRevokeUser();
  const [open, setOpen] = useState<string | undefined>(undefined);
  const failed = setDisabled.error ?? revoke.error;
  return (
    <section className="panel" aria-label="users">
      <header className="panel-head">
        <h2>
          Users <span className="count">{query.data?.items.length ?? 0}</span>
        </h2>
      </header>
      {failed && (
        <p className="state error" role="alert">
          Action failed: {describeError(failed)}
        </p>
      )}
      <QueryState query={query} label="users">
        {(query.data?.items.length ?? 0) === 0 ? (
          <Empty>No user has signed up yet.</Empty>
        ) : (
          <table className="grid">
            <thead>
              <tr>
                <th>Email</th>
                <th>Verified</th>
                <th>MFA</th>
                <th>Status</th>
                <th>Created</th>
                <th>Last sign-in</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {query.data?.items.map((u: AdminAuthUser) => (
                <UserRow
                  key={u.id}
                  user={u}
                  open={open === u.id}
                  onToggle={() => setOpen(open === u.id ? undefined : u.id)}
                  onDisable={(disabled) => setDisabled.mutate({ appId, userId: u.id, disabled })}
                  onRevoke={() => revoke.mutate({ appId, userId: u.id })}
                  busy={setDisabled.isPending || revoke.isPending}
                  appId={appId}
                />
              ))}
            </tbody>
          </table>
        )}
      </QueryState>
    </section>
  );
}

function UserRow(props: {
  user: AdminAuthUser;
  appId: string;
  open: boolean;
  busy: boolean;
  onToggle(): void;
  onDisable(disabled: boolean): void;
  onRevoke(): void;
}) {
  const { user: u } = props;
  return (
    <>
      <tr data-testid="auth-user" data-user-id={u.id} data-email={u.email}>
        <td>
          {u.email} <span className="mono muted">{u.id}</span>
        </td>
        <td>{u.emailVerified ? 'yes' : 'no'}</td>
        <td>{u.mfaEnabled ? 'TOTP' : 'off'}</td>
        <td data-testid="user-status">
          <span className={u.disabled ? 'badge stopped' : 'badge healthy'}>
            {u.disabled ? 'disabled' : 'active'}
          </span>
        </td>
        <td title={new Date(u.createdAt).toISOString()}>{when(u.createdAt)}</td>
        <td data-testid="last-sign-in">{when(u.lastSignInAt)}</td>
        <td className="actions">
          <button type="button" onClick={props.onToggle}>
            {props.open ? 'Hide sessions' : 'Sessions'}
          </button>
          <button type="button" disabled={props.busy} onClick={() => props.onDisable(!u.disabled)}>
            {u.disabled ? 'Enable' : 'Disable'}
          </button>
          <button type="button" disabled={props.busy} onClick={props.onRevoke}>
            Revoke sessions
          </button>
        </td>
      </tr>
      {props.open && (
        <tr>
          <td colSpan={7}>
            <UserSessions appId={props.appId} userId={u.id} />
          </td>
        </tr>
      )}
    </>
  );
}
