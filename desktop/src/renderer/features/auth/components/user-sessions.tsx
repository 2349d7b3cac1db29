import { formatAge } from '../../../lib/format.js';
import { describeError } from '../../../lib/http.js';
import { Empty, QueryState } from '../../../lib/query-state.js';
import { useAuthUser, useRevokeSession } from '../api/auth.js';

/** One user's sessions (each a sign-in and its refresh-token family), each revocable on its own. */
export function UserSessions({ appId, userId }: { appId: string; userId: string }) {
  const query = useAuthUser(appId, userId);
  const revoke = useRevokeSession();
  const sessions = query.data?.sessions ?? [];
  return (
    <section className="user-sessions" aria-label={`sessions of ${userId}`}>
      {revoke.isError && (
        <p className="state error" role="alert">
          Revoke failed: {describeError(revoke.error)}
        </p>
      )}
      <QueryState query={query} label="sessions">
        {sessions.length === 0 ? (
          <Empty>No live session.</Empty>
        ) : (
          <table className="grid">
            <thead>
              <tr>
                <th>Session</th>
                <th>Started</th>
                <th>Expires in</th>
                <th>State</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {sessions.map((s) => (
                <tr
                  key={s.id}
                  data-testid="auth-session"
                  data-session-id={s.id}
                  data-revoked={String(s.revoked)}
                >
                  <td className="mono">{s.id}</td>
                  <td>{formatAge(s.createdAt)} ago</td>
                  <td>{formatAge(Date.now(), s.expiresAt)}</td>
                  <td>{s.revoked ? 'revoked' : 'active'}</td>
                  <td>
                    <button
                      type="button"
                      disabled={s.revoked || revoke.isPending}
                      onClick={() => revoke.mutate({ appId, sessionId: s.id })}
                    >
                      Revoke
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryState>
    </section>
  );
}
