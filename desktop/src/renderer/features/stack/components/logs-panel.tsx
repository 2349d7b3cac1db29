import { useDeferredValue, useEffect, useRef, useState } from 'react';
import { formatTime } from '../../../lib/format.js';
import { Empty } from '../../../lib/query-state.js';
import { useServiceLogs } from '../api/logs.js';

/** Log lines of one service: the last lines, or followed live; filtered by a search string. */
export function LogsPanel({
  services,
  service,
  onService,
}: {
  services: string[];
  service: string;
  onService: (name: string) => void;
}) {
  const [follow, setFollow] = useState(true);
  const [search, setSearch] = useState('');
  const needle = useDeferredValue(search.trim().toLowerCase());
  const selected = service || services[0] || '';
  const logs = useServiceLogs(selected, follow);
  const lines = needle ? logs.lines.filter((l) => l.line.toLowerCase().includes(needle)) : logs.lines;
  const end = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (follow && lines.length > 0) end.current?.scrollIntoView({ block: 'nearest' });
  }, [follow, lines.length]);
  return (
    <section className="panel logs" aria-label="logs">
      <header className="panel-head">
        <h2>Logs</h2>
        <div className="actions">
          <select aria-label="service" value={selected} onChange={(e) => onService(e.target.value)}>
            {services.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
          <label className="inline">
            <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> Follow
          </label>
          <input
            type="search"
            placeholder="Search"
            aria-label="search logs"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
        </div>
      </header>
      {logs.error && (
        <p className="state error" role="alert">
          Cannot read logs: {logs.error}
        </p>
      )}
      {lines.length === 0 ? (
        <Empty>
          {logs.loading ? 'Waiting for log lines…' : needle ? 'No line matches.' : 'No log line yet.'}
        </Empty>
      ) : (
        <div className="log-lines" data-testid="log-lines">
          {lines.map((l, i) => (
            // Lines have no id; their position in the bounded buffer is stable enough for display.
            // biome-ignore lint/suspicious/noArrayIndexKey: see above
            <div key={i} className={l.stream === 'stderr' ? 'log stderr' : 'log'}>
              <span className="muted">{formatTime(l.ts)}</span> {l.line}
            </div>
          ))}
          <div ref={end} />
        </div>
      )}
    </section>
  );
}
