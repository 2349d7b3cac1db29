import { formatAge } from '../../../lib/format.js';
import { Empty, QueryState } from '../../../lib/query-state.js';
import { useOverview } from '../api/overview.js';

/** The gateways of the cluster as the inspector API sees them. */
export function NodesPanel() {
  const query = useOverview();
  const nodes = query.data?.nodes ?? [];
  const now = Date.now();
  return (
    <section className="panel" aria-label="gateways">
      <header className="panel-head">
        <h2>
          Gateways <span className="count">{nodes.length}</span>
        </h2>
        {query.data && (
          <span className={query.data.tracing ? 'badge healthy' : 'badge stopped'}>
            tracing {query.data.tracing ? 'on' : 'off'}
          </span>
        )}
      </header>
      <QueryState query={query} label="gateways">
        {nodes.length === 0 ? (
          <Empty>No gateway reports to the inspector.</Empty>
        ) : (
          <div className="table-wrap">
            <table className="grid">
              <thead>
                <tr>
                  <th>Node</th>
                  <th>Connections</th>
                  <th className="wide-only">Rooms</th>
                  <th className="wide-only">Up for</th>
                  <th>Last seen</th>
                </tr>
              </thead>
              <tbody>
                {nodes.map((node) => (
                  <tr key={node.nodeId}>
                    <td className="mono">{node.nodeId}</td>
                    <td>{node.connections}</td>
                    <td className="wide-only">{node.rooms}</td>
                    <td className="wide-only">{formatAge(node.startedAt, now)}</td>
                    <td>{formatAge(node.lastSeen, now)} ago</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryState>
    </section>
  );
}
