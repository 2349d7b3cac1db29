import { useVirtualizer } from '@tanstack/react-virtual';
import { useDeferredValue, useMemo, useRef, useState } from 'react';
import type { ConnectionInfo } from '../../../lib/admin-types.js';
import { formatAge, formatBytes } from '../../../lib/format.js';
import { describeError } from '../../../lib/http.js';
import { Link } from '../../../lib/link.js';
import { Empty, QueryState } from '../../../lib/query-state.js';
import { connectionRoute, explainRoute, roomRoute } from '../../../lib/router.js';
import { useConnections, useDisconnect } from '../api/connections.js';

const ROW_HEIGHT = 34;

/** Every connection of the cluster, live; only the rows in view are in the DOM. */
export function ConnectionsTable() {
  const query = useConnections();
  const [filter, setFilter] = useState('');
  const deferred = useDeferredValue(filter.trim().toLowerCase());
  const items = query.data?.items;
  const rows = useMemo(() => filterConnections(items ?? [], deferred), [items, deferred]);
  return (
    <section className="panel" aria-label="connections">
      <header className="panel-head">
        <h2>
          Connections{' '}
          <span className="count" data-testid="connections-total">
            {deferred ? `${rows.length} of ${query.data?.total ?? 0}` : (query.data?.total ?? 0)}
          </span>
        </h2>
        <input
          type="search"
          placeholder="Filter by client, connection, gateway or room"
          aria-label="filter connections"
          value={filter}
          onChange={(event) => setFilter(event.target.value)}
        />
      </header>
      <QueryState query={query} label="connections">
        {rows.length === 0 ? (
          <Empty>{deferred ? 'No connection matches the filter.' : 'No client is connected.'}</Empty>
        ) : (
          <VirtualRows rows={rows} />
        )}
      </QueryState>
    </section>
  );
}

function filterConnections(items: readonly ConnectionInfo[], needle: string): readonly ConnectionInfo[] {
  if (!needle) return items;
  return items.filter(
    (c) =>
      c.clientId.toLowerCase().includes(needle) ||
      c.connectionId.toLowerCase().includes(needle) ||
      c.gateway.toLowerCase().includes(needle) ||
      c.appId.toLowerCase().includes(needle) ||
      c.rooms.some((room) => room.toLowerCase().includes(needle)),
  );
}

function VirtualRows({ rows }: { rows: readonly ConnectionInfo[] }) {
  const disconnect = useDisconnect();
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 6,
    getItemKey: (index) => rows[index]?.connectionId ?? index,
  });
  const items = virtualizer.getVirtualItems();
  // Spacer rows above and below the rendered window keep the scroll height of the full list.
  const top = items[0]?.start ?? 0;
  const bottom = virtualizer.getTotalSize() - (items.at(-1)?.end ?? 0);
  const now = Date.now();
  return (
    <div className="scroller" ref={scroller} data-testid="connections-scroller">
      {disconnect.isError && (
        <p className="state error" role="alert">
          Disconnect {disconnect.variables} failed: {describeError(disconnect.error)}
        </p>
      )}
      <table className="grid connections-table">
        <thead>
          <tr>
            <th>Client</th>
            <th className="wide-only">App</th>
            <th>Connection</th>
            <th className="wide-only">Gateway</th>
            <th>Rooms</th>
            <th className="wide-only">Since</th>
            <th className="wide-only">Msgs in/out</th>
            <th className="wide-only">Bytes in/out</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          {top > 0 && <tr className="spacer" style={{ height: top }} />}
          {items.map((item) => {
            const c = rows[item.index]!;
            return (
              <tr key={item.key} data-testid="connection-row" style={{ height: ROW_HEIGHT }}>
                <td className="strong">{c.clientId}</td>
                <td className="wide-only">{c.appId}</td>
                <td className="mono">
                  <Link to={connectionRoute(c.connectionId)}>{c.connectionId}</Link>{' '}
                  <Link to={explainRoute('connection', c.connectionId)} className="muted">
                    permissions
                  </Link>
                </td>
                <td className="mono wide-only">{c.gateway}</td>
                <td>
                  {c.rooms.map((room) => (
                    <Link key={room} to={roomRoute(c.appId, room)} className="tag">
                      {room}
                    </Link>
                  ))}
                </td>
                <td className="wide-only">{formatAge(c.connectedAt, now)}</td>
                <td className="wide-only">
                  {c.messagesIn}/{c.messagesOut}
                </td>
                <td className="wide-only">
                  {formatBytes(c.bytesIn)}/{formatBytes(c.bytesOut)}
                </td>
                <td>
                  {/* Closes it with 4004 on whichever gateway holds it: an SDK client reconnects. */}
                  <button
                    type="button"
                    className="secondary"
                    aria-label={`disconnect ${c.clientId}`}
                    disabled={disconnect.isPending && disconnect.variables === c.connectionId}
                    onClick={() => disconnect.mutate(c.connectionId)}
                  >
                    Disconnect
                  </button>
                </td>
              </tr>
            );
          })}
          {bottom > 0 && <tr className="spacer" style={{ height: bottom }} />}
        </tbody>
      </table>
    </div>
  );
}
