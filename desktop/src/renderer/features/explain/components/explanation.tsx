import type { AdminExplanation, PermissionDecision } from '@relaybox/protocol';
import { formatData } from '../../../lib/format.js';

/** One explanation: the checks, the claims, the permission layers, and the decisions on the room. */
export function ExplanationView({ explanation: e }: { explanation: AdminExplanation }) {
  return (
    <section className="panel" aria-label="explanation" data-testid="explanation">
      <h2>
        {e.failed ? 'Refused' : 'Explanation'}{' '}
        <span className="muted">
          {[e.appId, e.keyId && `key ${e.keyId}`, e.clientId && `client ${e.clientId}`, e.via]
            .filter(Boolean)
            .join(' · ')}
        </span>
      </h2>
      {e.failed && (
        <p className="error" data-testid="failed-check" data-check={e.failed.check}>
          Failed check: <strong>{e.failed.check}</strong> ({e.failed.code}): {e.failed.message}
        </p>
      )}
      {e.decision && <Decision decision={e.decision} />}
      {e.checks && (
        <ol className="checks">
          {e.checks.map((c) => (
            <li key={c.check} data-testid="check" data-outcome={c.outcome}>
              <span
                className={
                  c.outcome === 'failed'
                    ? 'badge stopped'
                    : c.outcome === 'passed'
                      ? 'badge healthy'
                      : 'badge'
                }
              >
                {c.outcome.replace('_', ' ')}
              </span>{' '}
              {c.check}
            </li>
          ))}
        </ol>
      )}
      {e.claims && (
        <p>
          Claims ({e.claims.verified ? 'signature verified' : 'not verified'}):{' '}
          <code className="data">{formatData(e.claims.values)}</code>
        </p>
      )}
      {e.layers && (
        <div>
          <h3>Permission layers (every one must allow)</h3>
          <ul>
            {e.layers.map((layer) => (
              <li key={layer.name} data-testid="layer">
                <strong>{layer.name}</strong> <code className="data">{formatData(layer.permissions)}</code>
              </li>
            ))}
          </ul>
        </div>
      )}
      {e.policy && (
        <p>
          App policy: allowed origins {e.policy.allowedOrigins?.join(', ') ?? 'any'}; at most{' '}
          {e.policy.maxConnections} connections.
        </p>
      )}
      {e.room && (
        <table className="grid">
          <thead>
            <tr>
              <th>Operation on {e.room[0]?.room}</th>
              <th>Allowed</th>
              <th>Decided by</th>
            </tr>
          </thead>
          <tbody>
            {e.room.map((d) => (
              <tr
                key={d.operation}
                data-testid="room-decision"
                data-operation={d.operation}
                data-allowed={String(d.allowed)}
              >
                <td>{d.operation}</td>
                <td>{d.allowed ? 'yes' : 'no'}</td>
                <td>{decider(d)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Decision({ decision }: { decision: PermissionDecision }) {
  return (
    <p
      className={decision.allowed ? 'ok' : 'error'}
      data-testid="decision"
      data-allowed={String(decision.allowed)}
    >
      {decision.operation} on <span className="mono">{decision.room}</span>:{' '}
      {decision.allowed ? 'allowed' : 'denied'} by {decider(decision)}
    </p>
  );
}

function decider(d: PermissionDecision): string {
  const { layer, pattern } = d.decidedBy;
  if (pattern) return `the ${layer}'s pattern "${pattern}"${d.allowed ? '' : ` (it lacks ${d.operation})`}`;
  return `the ${layer} (no pattern matches the room)`;
}
