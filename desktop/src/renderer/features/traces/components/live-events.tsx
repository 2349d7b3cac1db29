import { useState } from 'react';
import { formatData, formatTime } from '../../../lib/format.js';
import { Link } from '../../../lib/link.js';
import { Empty } from '../../../lib/query-state.js';
import { explainRoute } from '../../../lib/router.js';
import { authEventLabel, isUserAuthEvent } from '../../auth/api/auth-events.js';
import { useTraceStream } from '../api/trace-stream.js';

const KINDS = [
  'all',
  'connection',
  'room',
  'presence',
  'message',
  'auth',
  'permission',
  'webhook',
  'job',
] as const;
/** Events the permission explainer explains; each links to its explanation. */
const EXPLAINED = new Set(['auth.failed', 'permission.denied']);

/** Every trace event as it happens (connections, joins, presence, auth failures, webhook attempts...). */
export function LiveEvents() {
  const [paused, setPaused] = useState(false);
  const [kind, setKind] = useState<(typeof KINDS)[number]>('all');
  const stream = useTraceStream(!paused);
  const events = kind === 'all' ? stream.events : stream.events.filter((e) => e.type.startsWith(`${kind}.`));
  return (
    <section className="panel live-events" aria-label="live events">
      <header className="panel-head">
        <h2>
          Live events{' '}
          <span className={stream.connected ? 'badge healthy' : 'badge stopped'}>
            {paused ? 'paused' : stream.connected ? 'live' : 'reconnecting'}
          </span>
        </h2>
        <div className="actions">
          <select
            aria-label="event kind"
            value={kind}
            onChange={(e) => setKind(e.target.value as typeof kind)}
          >
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
          <label className="inline">
            <input type="checkbox" checked={paused} onChange={(e) => setPaused(e.target.checked)} /> Pause
          </label>
        </div>
      </header>
      {stream.error && !paused && (
        <p className="state error" role="alert">
          Event stream: {stream.error}
        </p>
      )}
      {events.length === 0 ? (
        <Empty>No event since this view opened.</Empty>
      ) : (
        <ol className="events">
          {events.map((event) => (
            <li key={event.id} data-testid="live-event" data-type={event.type}>
              <span className="muted mono">{formatTime(event.ts)}</span> <strong>{event.type}</strong>{' '}
              {isUserAuthEvent(event.type) && <em>{authEventLabel(event.type)} </em>}
              <span className="muted">
                {[event.appId, event.room, event.clientId].filter(Boolean).join(' · ')} @ {event.gateway}
              </span>
              {EXPLAINED.has(event.type) && (
                <>
                  {' '}
                  <Link to={explainRoute('trace', event.id)}>why?</Link>
                </>
              )}
              {event.detail && Object.keys(event.detail).length > 0 && (
                <code className="data">{formatData(event.detail)}</code>
              )}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
