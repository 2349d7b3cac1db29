import { useMemo, useState } from 'react';
import { formatTime } from '../../../lib/format.js';
import { Link } from '../../../lib/link.js';
import { Empty, QueryState } from '../../../lib/query-state.js';
import { navigate, traceRoute } from '../../../lib/router.js';
import { tracedMessages, useTraces } from '../api/traces.js';
import { LiveEvents } from './live-events.js';
import { TraceTimeline } from './trace-timeline.js';

/** Recent messages seen by the tracer; the selected one's path across the stack as a timeline. */
export function TracesView({ messageId }: { messageId: string | undefined }) {
  return (
    <div className="columns traces">
      <div className="side">
        <RecentMessages selected={messageId} />
        <LiveEvents />
      </div>
      <section className="panel" aria-label="trace">
        {messageId ? (
          <TraceTimeline messageId={messageId} />
        ) : (
          <Empty>Select a message to see its path.</Empty>
        )}
      </section>
    </div>
  );
}

function RecentMessages({ selected }: { selected: string | undefined }) {
  const query = useTraces({ limit: 1000 });
  const [lookup, setLookup] = useState('');
  const items = query.data?.items;
  const messages = useMemo(() => tracedMessages(items ?? []).slice(0, 200), [items]);
  return (
    <section className="panel" aria-label="recent messages">
      <header className="panel-head">
        <h2>Traces</h2>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            if (lookup.trim()) navigate(traceRoute(lookup.trim()));
          }}
        >
          <input
            type="search"
            placeholder="Message id"
            aria-label="message id"
            value={lookup}
            onChange={(event) => setLookup(event.target.value)}
          />
        </form>
      </header>
      <QueryState query={query} label="traces">
        {messages.length === 0 ? (
          <Empty>No traced message yet (is tracing on? RELAYBOX_TRACING).</Empty>
        ) : (
          <ul className="trace-list">
            {messages.map((m) => (
              <li key={m.messageId} className={m.messageId === selected ? 'selected' : undefined}>
                <Link to={traceRoute(m.messageId)}>
                  <span className="mono">{m.messageId}</span>
                </Link>
                <span className="muted">
                  {' '}
                  {formatTime(m.firstTs)} · {m.room} · {m.clientId} · {m.hops} events
                </span>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </section>
  );
}
