import { useSyncExternalStore } from 'react';
import type { RoomDetail } from '../../../lib/admin-types.js';
import { formatAge, formatData, formatTime } from '../../../lib/format.js';
import { describeError } from '../../../lib/http.js';
import { Link } from '../../../lib/link.js';
import { Empty, QueryState } from '../../../lib/query-state.js';
import { traceRoute } from '../../../lib/router.js';
import { rateHistory } from '../api/rate-window.js';
import { useClearHistory, useRoom } from '../api/rooms.js';
import { RateChart } from './rate-chart.js';

/** One room, live: recent messages, presence members and the message rate over time. */
export function RoomPage({ appId, room }: { appId: string; room: string }) {
  const query = useRoom(appId, room);
  const samples = useSyncExternalStore(
    (listener) => rateHistory.subscribe(listener),
    () => rateHistory.samples(appId, room),
  );
  const detail = query.data;
  return (
    <section className="room-page" aria-label={`room ${room}`}>
      <header className="panel-head">
        <h2>
          <Link to="/rooms">Rooms</Link> / <span data-testid="room-name">{room}</span>{' '}
          <span className="muted">({appId})</span>
        </h2>
        <Link to={`/publish?room=${encodeURIComponent(room)}`}>Publish to this room</Link>
        {detail && (
          <p className="stats">
            {detail.subscribers} subscribers · {detail.presenceMembers} present · last seq {detail.lastSeq}
          </p>
        )}
      </header>
      <QueryState query={query} label="the room">
        <div className="columns">
          <section className="panel" aria-label="messages">
            <h3>Messages</h3>
            <ClearHistory appId={appId} room={room} />
            {detail && <MessageList detail={detail} />}
          </section>
          <div className="side">
            <section className="panel" aria-label="presence">
              <h3>Presence</h3>
              {detail && <PresenceList detail={detail} />}
            </section>
            <section className="panel" aria-label="metrics">
              <h3>Message rate</h3>
              <RateChart samples={samples} />
            </section>
          </div>
        </div>
      </QueryState>
    </section>
  );
}

function ClearHistory({ appId, room }: { appId: string; room: string }) {
  const clear = useClearHistory(appId, room);
  return (
    <div className="actions">
      <button
        type="button"
        className="secondary"
        disabled={clear.isPending}
        onClick={() => {
          // Irreversible, and clients resuming from before will see a discontinuity.
          if (window.confirm(`Remove every message of ${room}'s history?`)) clear.mutate();
        }}
      >
        Clear history
      </button>
      {clear.isSuccess && (
        <span className="muted" role="status">
          {clear.data.removed} message(s) removed
        </span>
      )}
      {clear.isError && (
        <span className="error" role="alert">
          {describeError(clear.error)}
        </span>
      )}
    </div>
  );
}

function MessageList({ detail }: { detail: RoomDetail }) {
  if (detail.recent.length === 0) return <Empty>No message in this room’s history yet.</Empty>;
  const newestFirst = [...detail.recent].sort((a, b) => b.seq - a.seq);
  return (
    <ol className="messages">
      {newestFirst.map((message) => (
        <li key={message.id} data-testid="room-message">
          <span className="mono muted">#{message.seq}</span>{' '}
          <span className="muted">{formatTime(message.timestamp)}</span> <strong>{message.clientId}</strong>{' '}
          <span className="tag">{message.event}</span>
          <code className="data">{formatData(message.data)}</code>
          <Link to={traceRoute(message.id)} className="trace-link">
            trace
          </Link>
        </li>
      ))}
    </ol>
  );
}

function PresenceList({ detail }: { detail: RoomDetail }) {
  if (detail.presence.length === 0) return <Empty>Nobody is present.</Empty>;
  const now = Date.now();
  return (
    <ul className="presence">
      {detail.presence.map((member) => (
        <li key={member.connectionId} data-testid="presence-member">
          <strong>{member.clientId}</strong>{' '}
          <span className="muted">for {formatAge(member.enteredAt, now)}</span>
          {member.data !== undefined && member.data !== null && (
            <code className="data">{formatData(member.data)}</code>
          )}
        </li>
      ))}
    </ul>
  );
}
