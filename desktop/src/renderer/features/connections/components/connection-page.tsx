import type { AdminConnectionDetail, AdminFrame } from '@relaybox/protocol';
import { formatAge, formatBytes, formatData, formatTime } from '../../../lib/format.js';
import { Link } from '../../../lib/link.js';
import { Empty, QueryState } from '../../../lib/query-state.js';
import { explainRoute, roomRoute } from '../../../lib/router.js';
import { useConnectionDetail } from '../api/connection-detail.js';

/** One connection, live: who it is, its rooms and presence, and its recent frames each way. */
export function ConnectionPage({ connectionId }: { connectionId: string }) {
  const query = useConnectionDetail(connectionId);
  const detail = query.data;
  return (
    <section className="connection-page" aria-label={`connection ${connectionId}`}>
      <header className="panel-head">
        <h2>
          <Link to="/connections">Connections</Link> / <span className="mono">{connectionId}</span>
        </h2>
        <Link to={explainRoute('connection', connectionId)}>Permissions</Link>
      </header>
      <QueryState query={query} label="the connection">
        {detail && <ConnectionBody detail={detail} />}
      </QueryState>
    </section>
  );
}

function ConnectionBody({ detail }: { detail: AdminConnectionDetail }) {
  const c = detail.connection;
  return (
    <div className="columns">
      <section className="panel" aria-label="frames">
        <h3>Recent frames</h3>
        {detail.frames === null ? (
          <Empty>
            <span data-testid="frames-error">
              No frames: gateway {c.gateway}, which holds the connection, could not report them (
              {detail.framesError?.code ?? 'unknown'}: {detail.framesError?.message ?? 'no answer'}). Retrying
              every second.
            </span>
          </Empty>
        ) : (
          <>
            <p className="muted">
              Recording since {formatTime(detail.frames.since)} on gateway {detail.frames.node} while this
              page is open (last {detail.frames.capacity} each way; secrets redacted).
            </p>
            <div className="frame-columns">
              <FrameList label="frames in" frames={detail.frames.in} />
              <FrameList label="frames out" frames={detail.frames.out} />
            </div>
          </>
        )}
      </section>
      <div className="side">
        <section className="panel" aria-label="identity">
          <h3>Connection</h3>
          <dl className="facts" data-testid="connection-facts">
            <dt>Client</dt>
            <dd className="strong">{c.clientId}</dd>
            <dt>App</dt>
            <dd>{c.appId}</dd>
            <dt>Key</dt>
            <dd className="mono">{c.auth ? `${c.auth.keyId} (${c.auth.via})` : '—'}</dd>
            <dt>Address</dt>
            <dd className="mono">{c.address ?? '—'}</dd>
            <dt>Gateway</dt>
            <dd className="mono">{c.gateway}</dd>
            <dt>Connected</dt>
            <dd>
              {formatTime(c.connectedAt)} ({formatAge(c.connectedAt)} ago)
            </dd>
            <dt>In / out</dt>
            <dd>
              {c.messagesIn}/{c.messagesOut} frames · {formatBytes(c.bytesIn)}/{formatBytes(c.bytesOut)}
            </dd>
          </dl>
        </section>
        <section className="panel" aria-label="rooms">
          <h3>Rooms</h3>
          <RoomList detail={detail} />
        </section>
      </div>
    </div>
  );
}

function RoomList({ detail }: { detail: AdminConnectionDetail }) {
  if (detail.rooms.length === 0) return <Empty>No room joined.</Empty>;
  return (
    <ul className="presence">
      {detail.rooms.map((r) => (
        <li key={r.room} data-testid="connection-room">
          <Link to={roomRoute(detail.connection.appId, r.room)} className="tag">
            {r.room}
          </Link>{' '}
          <span className="muted">
            messages {r.messages} · presence {r.presence} · last seq {r.lastSeq}
          </span>
          <div>
            {r.member ? (
              <span data-testid="connection-presence">
                present{r.member.data !== undefined && r.member.data !== null && ': '}
                {r.member.data !== undefined && r.member.data !== null && (
                  <code className="data">{formatData(r.member.data)}</code>
                )}
              </span>
            ) : (
              <span className="muted">not present</span>
            )}
          </div>
        </li>
      ))}
    </ul>
  );
}

function FrameList({ label, frames }: { label: string; frames: readonly AdminFrame[] }) {
  return (
    <section aria-label={label}>
      <h4>
        {label === 'frames in' ? 'In (client → gateway)' : 'Out (gateway → client)'}{' '}
        <span className="count">{frames.length}</span>
      </h4>
      {frames.length === 0 ? (
        <Empty>Nothing yet.</Empty>
      ) : (
        <ol className="messages frames">
          {[...frames].reverse().map((f) => (
            <li key={f.n} data-testid="frame" data-type={f.type}>
              <span className="muted">{formatTime(f.at)}</span> <span className="tag">{f.type}</span>{' '}
              <span className="muted">{formatBytes(f.size)}</span>
              <code className="data">{f.preview}</code>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
