import { formatTime } from '../../../lib/format.js';
import { describeError } from '../../../lib/http.js';
import { Empty, QueryState } from '../../../lib/query-state.js';
import { useDeadLetters, useRequeue } from '../api/webhooks.js';

/** Deliveries given up, with a requeue button (same event id: receivers that dedupe see it once). */
export function DeadLettersPanel({ appId }: { appId: string }) {
  const query = useDeadLetters(appId);
  const requeue = useRequeue();
  return (
    <section className="panel" aria-label="dead letters">
      <header className="panel-head">
        <h2>
          Dead letters <span className="count">{query.data?.items.length ?? 0}</span>
        </h2>
      </header>
      {requeue.isError && (
        <p className="state error" role="alert">
          Requeue failed: {describeError(requeue.error)}
        </p>
      )}
      <QueryState query={query} label="dead letters">
        {(query.data?.items.length ?? 0) === 0 ? (
          <Empty>No dead letter.</Empty>
        ) : (
          <table className="grid">
            <thead>
              <tr>
                <th>Failed at</th>
                <th>Endpoint</th>
                <th>Event</th>
                <th>Tries</th>
                <th>Reason</th>
                <th>Last answer</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {query.data?.items.map((l) => (
                <tr
                  key={`${l.endpointId}-${l.event.id}-${l.failedAt}`}
                  data-testid="dead-letter"
                  data-event-id={l.event.id}
                >
                  <td className="mono">{formatTime(l.failedAt)}</td>
                  <td className="mono">{l.endpointId}</td>
                  <td>
                    {l.event.type} <span className="mono muted">{l.event.id}</span>
                  </td>
                  <td>{l.attempts}</td>
                  <td>{l.reason}</td>
                  <td>{l.lastStatus ?? l.lastError ?? ''}</td>
                  <td>
                    <button
                      type="button"
                      disabled={requeue.isPending}
                      onClick={() => requeue.mutate({ appId, endpointId: l.endpointId, eventId: l.event.id })}
                    >
                      Requeue
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
