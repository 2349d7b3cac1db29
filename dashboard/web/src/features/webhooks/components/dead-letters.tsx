import { EmptyState, ErrorState, FormError, Loading } from '../../../components/status.js';
import { formatTime } from '../../../lib/format.js';
import { type DeadLetter, useDeadLetters, useRequeueDeadLetter, type Webhook } from '../api/webhooks.js';

/**
 * The app's dead letters (deliveries given up), newest first, with requeue: a gateway of the app
 * queues the event again under the same id, and its new tries show in the endpoint's delivery log.
 */
export function DeadLetters({ appId, hooks }: { appId: string; hooks: Webhook[] }) {
  const letters = useDeadLetters(appId);
  const requeue = useRequeueDeadLetter(appId);
  const urlOf = (endpointId: string) => hooks.find((h) => h.id === endpointId)?.url ?? endpointId;
  // The outcome of the last requeue stays visible, also once the list is empty.
  const outcome = (
    <>
      <FormError error={requeue.error} />
      {requeue.data && (
        <p className="hint" role="status">
          Requeued {requeue.data.requeued.eventId}: its new tries show in the endpoint's delivery log.
        </p>
      )}
    </>
  );
  if (letters.isPending) return <Loading label="Loading dead letters…" />;
  if (letters.isError) return <ErrorState error={letters.error} onRetry={() => letters.refetch()} />;
  const items = letters.data.pages.flatMap((page) => page.items);
  if (items.length === 0) {
    return (
      <>
        {outcome}
        <EmptyState title="No dead letters">
          Deliveries your endpoints refused, or that failed every retry, show here to requeue.
        </EmptyState>
      </>
    );
  }
  const pending = (letter: DeadLetter) =>
    requeue.isPending &&
    requeue.variables?.eventId === letter.eventId &&
    requeue.variables.endpointId === letter.endpointId;
  return (
    <>
      {outcome}
      <table className="responsive-table dead-letters">
        <caption className="visually-hidden">Dead letters</caption>
        <thead>
          <tr>
            <th scope="col">Failed</th>
            <th scope="col">Event</th>
            <th scope="col">Endpoint</th>
            <th scope="col">Tries</th>
            <th scope="col">Last error</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((letter) => (
            <tr
              key={`${letter.endpointId}:${letter.eventId}:${letter.failedAt}`}
              data-event-id={letter.eventId}
            >
              <td data-label="Failed">{formatTime(letter.failedAt)}</td>
              <td data-label="Event">
                <code>{letter.type}</code> <code className="muted">{letter.eventId}</code>
              </td>
              <td data-label="Endpoint" className="break">
                {urlOf(letter.endpointId)}
              </td>
              <td data-label="Tries">{letter.attempts}</td>
              <td data-label="Last error">
                {lastError(letter)} <span className="muted">({letter.reason})</span>
              </td>
              <td data-label="Actions">
                <button
                  type="button"
                  className="button small"
                  disabled={requeue.isPending}
                  onClick={() => requeue.mutate(letter)}
                >
                  {pending(letter) ? 'Requeueing…' : 'Requeue'}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {letters.hasNextPage && (
        <button
          type="button"
          className="button small"
          disabled={letters.isFetchingNextPage}
          onClick={() => letters.fetchNextPage()}
        >
          {letters.isFetchingNextPage ? 'Loading…' : 'Load more'}
        </button>
      )}
    </>
  );
}

function lastError(letter: DeadLetter): string {
  if (letter.lastStatus !== null) return `HTTP ${letter.lastStatus}`;
  return letter.lastError ?? '—';
}
