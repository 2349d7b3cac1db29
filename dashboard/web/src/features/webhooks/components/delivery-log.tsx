import { EmptyState, ErrorState, Loading } from '../../../components/status.js';
import { formatTime } from '../../../lib/format.js';
import { useDeliveries } from '../api/webhooks.js';

/** Recent deliveries of one endpoint; on narrow screens each row stacks as a labelled block. */
export function DeliveryLog({ appId, webhookId }: { appId: string; webhookId: string }) {
  const deliveries = useDeliveries(appId, webhookId);
  if (deliveries.isPending) return <Loading label="Loading deliveries…" />;
  if (deliveries.isError) return <ErrorState error={deliveries.error} onRetry={() => deliveries.refetch()} />;
  if (deliveries.data.length === 0) {
    return (
      <EmptyState title="No deliveries yet">
        Real deliveries show here as they are tried; send a test event to see one now.
      </EmptyState>
    );
  }
  return (
    <table className="responsive-table delivery-log">
      <caption>Delivery log</caption>
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col">Event</th>
          <th scope="col">Try</th>
          <th scope="col">Result</th>
          <th scope="col">Duration</th>
          <th scope="col">Error</th>
        </tr>
      </thead>
      <tbody>
        {deliveries.data.map((d) => (
          <tr key={d.id}>
            <td data-label="Time">{formatTime(d.at)}</td>
            <td data-label="Event">
              <code>{d.event}</code> {d.eventId && <code className="muted">{d.eventId}</code>}
            </td>
            <td data-label="Try">{d.kind === 'test' ? 'test event' : `try ${d.attempt}`}</td>
            <td data-label="Result">
              <span className={`badge ${d.ok ? 'badge-on' : 'badge-off'}`}>
                {d.ok ? 'OK' : 'Failed'} {d.status ?? 'no response'}
              </span>
            </td>
            <td data-label="Duration">{d.durationMs} ms</td>
            <td data-label="Error">{d.error ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
