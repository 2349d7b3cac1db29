import { useState } from 'react';
import { formatTime } from '../../../lib/format.js';
import { Empty, QueryState } from '../../../lib/query-state.js';
import { useDeliveryLog, useWebhookEndpoints } from '../api/webhooks.js';

/** Every endpoint of the app and the real delivery attempts of the chosen one. */
export function DeliveryLogPanel({ appId }: { appId: string }) {
  const endpoints = useWebhookEndpoints(appId);
  const [chosen, setChosen] = useState<string | undefined>(undefined);
  const items = endpoints.data?.items ?? [];
  const endpointId = chosen ?? items[0]?.id;
  return (
    <section className="panel" aria-label="delivery log">
      <header className="panel-head">
        <h2>Delivery log</h2>
        {items.length > 0 && (
          <select aria-label="endpoint" value={endpointId} onChange={(e) => setChosen(e.target.value)}>
            {items.map((e) => (
              <option key={e.id} value={e.id}>
                {e.inboxId ? `${e.id} (inbox)` : `${e.id} ${e.url}`}
              </option>
            ))}
          </select>
        )}
      </header>
      <QueryState query={endpoints} label="endpoints">
        {endpointId ? (
          <Attempts appId={appId} endpointId={endpointId} />
        ) : (
          <Empty>This app has no webhook endpoint.</Empty>
        )}
      </QueryState>
    </section>
  );
}

function Attempts({ appId, endpointId }: { appId: string; endpointId: string }) {
  const query = useDeliveryLog(appId, endpointId);
  return (
    <QueryState query={query} label="deliveries">
      {(query.data?.items.length ?? 0) === 0 ? (
        <Empty>No delivery attempt yet.</Empty>
      ) : (
        <table className="grid">
          <thead>
            <tr>
              <th>At</th>
              <th>Event</th>
              <th>Event id</th>
              <th>Try</th>
              <th>Status</th>
              <th>Latency</th>
              <th>Error</th>
            </tr>
          </thead>
          <tbody>
            {query.data?.items.map((a) => (
              <tr
                key={`${a.eventId}-${a.attempt}-${a.at}`}
                data-testid="delivery-attempt"
                data-status={a.status ?? ''}
              >
                <td className="mono">{formatTime(a.at)}</td>
                <td>{a.type}</td>
                <td className="mono">{a.eventId}</td>
                <td>{a.attempt}</td>
                <td>{a.status ?? '—'}</td>
                <td>{a.latencyMs} ms</td>
                <td>{a.error ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </QueryState>
  );
}
