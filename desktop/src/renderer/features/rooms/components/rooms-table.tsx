import { Link } from '../../../lib/link.js';
import { Empty, QueryState } from '../../../lib/query-state.js';
import { roomRoute } from '../../../lib/router.js';
import { useRooms } from '../api/rooms.js';

/** Every room with a subscriber or presence member, cluster-wide, live. */
export function RoomsTable() {
  const query = useRooms();
  const items = query.data?.items ?? [];
  return (
    <section className="panel" aria-label="rooms">
      <header className="panel-head">
        <h2>
          Rooms <span className="count">{items.length}</span>
        </h2>
      </header>
      <QueryState query={query} label="rooms">
        {items.length === 0 ? (
          <Empty>No room is active.</Empty>
        ) : (
          <div className="table-wrap">
            <table className="grid">
              <thead>
                <tr>
                  <th>Room</th>
                  <th className="wide-only">App</th>
                  <th>Subscribers</th>
                  <th>Presence</th>
                  <th>Msg/s</th>
                  <th className="wide-only">Last seq</th>
                </tr>
              </thead>
              <tbody>
                {items.map((room) => (
                  <tr key={`${room.appId}/${room.room}`} data-testid="room-row">
                    <td>
                      <Link to={roomRoute(room.appId, room.room)}>{room.room}</Link>
                    </td>
                    <td className="wide-only">{room.appId}</td>
                    <td>{room.subscribers}</td>
                    <td>{room.presenceMembers}</td>
                    <td>{room.messageRate.toFixed(1)}</td>
                    <td className="wide-only">{room.lastSeq}</td>
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
