import type { TraceEvent } from '../../../lib/admin-types.js';
import { formatData, formatTime } from '../../../lib/format.js';
import { Empty, QueryState } from '../../../lib/query-state.js';
import { orderHops } from '../api/hop-order.js';
import { useTraces } from '../api/traces.js';

/** Human names of the hops of a message. */
const HOP_LABELS: Record<string, string> = {
  'message.received': 'received by gateway',
  'message.stored': 'sequenced and stored',
  'message.published': 'published to the broker',
  'message.consumed': 'consumed from the broker',
  'message.delivered': 'delivered to local sockets',
  'message.acked': 'acked to the publisher',
};

/** One message's path across the stack: one row per hop, with its gateway and time since the first hop. */
export function TraceTimeline({ messageId }: { messageId: string }) {
  const query = useTraces({ messageId });
  const events = orderHops(query.data?.items ?? []);
  const start = events[0]?.ts ?? 0;
  const span = Math.max(1, (events.at(-1)?.ts ?? 0) - start);
  return (
    <div className="timeline" data-testid="trace-timeline">
      <h2>
        Message <span className="mono">{messageId}</span>
      </h2>
      <QueryState query={query} label="the trace">
        {events.length === 0 ? (
          <Empty>No trace event for this message (yet).</Empty>
        ) : (
          <>
            <p className="muted">
              {events[0]?.room} · {events.length} hops · {events.at(-1)!.ts - start} ms end to end · started{' '}
              {formatTime(start)}
            </p>
            <ol className="hops">
              {events.map((event) => (
                <Hop key={event.id} event={event} offset={event.ts - start} span={span} />
              ))}
            </ol>
          </>
        )}
      </QueryState>
    </div>
  );
}

function Hop({ event, offset, span }: { event: TraceEvent; offset: number; span: number }) {
  return (
    <li className="hop" data-testid="trace-hop" data-type={event.type}>
      <span className="hop-time mono">+{offset} ms</span>
      <span className="hop-type">
        <strong>{event.type}</strong> <span className="muted">{HOP_LABELS[event.type] ?? ''}</span>
      </span>
      <span className="hop-gateway mono">{event.gateway}</span>
      <span className="hop-bar" aria-hidden="true">
        <span style={{ left: `${(offset / span) * 100}%` }} />
      </span>
      {event.detail && Object.keys(event.detail).length > 0 && (
        <code className="hop-detail">{formatData(event.detail)}</code>
      )}
    </li>
  );
}
