import { formatData, formatTime } from '../../../lib/format.js';
import { Empty } from '../../../lib/query-state.js';
import { useTraceStream } from '../../traces/api/trace-stream.js';
import { authEventLabel, isUserAuthEvent } from '../api/auth-events.js';

/** The app's auth events of the trace stream since the view opened, with readable labels. */
export function AuthEventsPanel({ appId }: { appId: string }) {
  const stream = useTraceStream(true);
  const events = stream.events.filter((e) => e.appId === appId && isUserAuthEvent(e.type));
  return (
    <section className="panel live-events" aria-label="auth events">
      <header className="panel-head">
        <h2>
          Auth events{' '}
          <span className={stream.connected ? 'badge healthy' : 'badge stopped'}>
            {stream.connected ? 'live' : 'reconnecting'}
          </span>
        </h2>
      </header>
      {stream.error && (
        <p className="state error" role="alert">
          Event stream: {stream.error}
        </p>
      )}
      {events.length === 0 ? (
        <Empty>No auth event since this view opened.</Empty>
      ) : (
        <ol className="events">
          {events.map((event) => (
            <li key={event.id} data-testid="auth-event" data-type={event.type}>
              <span className="muted mono">{formatTime(event.ts)}</span>{' '}
              <strong>{authEventLabel(event.type)}</strong> <span className="muted mono">{event.type}</span>{' '}
              {event.clientId && <span className="muted">user {event.clientId}</span>}
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
