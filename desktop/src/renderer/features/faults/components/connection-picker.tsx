import { useConnections } from '../../connections/api/connections.js';

/** Options listed at most: a select of thousands of rows is unusable (filter in Connections instead). */
const MAX_OPTIONS = 500;

/**
 * The target of a `client.*` fault: a live connection of the stack, by client, gateway and rooms.
 * A connection `client.slow` holds shows its read rate.
 */
export function ConnectionPicker({ value, onChange }: { value: string; onChange: (id: string) => void }) {
  const query = useConnections();
  const items = (query.data?.items ?? []).slice(0, MAX_OPTIONS);
  const placeholder = query.isPending
    ? 'loading connections…'
    : items.length === 0
      ? 'no connection'
      : 'pick a connection';
  return (
    <label>
      Connection
      <select value={value} onChange={(e) => onChange(e.target.value)} data-testid="fault-connection">
        <option value="">{placeholder}</option>
        {items.map((c) => (
          <option key={c.connectionId} value={c.connectionId}>
            {[
              c.clientId,
              c.connectionId,
              c.gateway,
              c.rooms.join(', '),
              c.slowReadBytesPerSec === undefined ? '' : `slowed: reads ${c.slowReadBytesPerSec} B/s`,
            ]
              .filter(Boolean)
              .join(' · ')}
          </option>
        ))}
      </select>
    </label>
  );
}
