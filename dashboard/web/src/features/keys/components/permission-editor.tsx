import { OPERATIONS, type Operation } from '@relaybox/protocol';
import { useId, useState } from 'react';
import { type PermissionRow, previewRooms, rowProblem, SAMPLE_ROOMS } from './permission-rows.js';

/**
 * Rows of room pattern + operations, with a live preview of which sample rooms each pattern
 * matches (the matcher of @relaybox/protocol, the one the gateway enforces).
 */
export function PermissionEditor({
  rows,
  onChange,
}: {
  rows: PermissionRow[];
  onChange: (rows: PermissionRow[]) => void;
}) {
  const update = (id: number, change: Partial<PermissionRow>) =>
    onChange(rows.map((row) => (row.id === id ? { ...row, ...change } : row)));
  const toggle = (row: PermissionRow, op: Operation) =>
    update(row.id, { ops: row.ops.includes(op) ? row.ops.filter((o) => o !== op) : [...row.ops, op] });
  const add = () =>
    onChange([...rows, { id: Math.max(0, ...rows.map((r) => r.id)) + 1, pattern: '', ops: ['subscribe'] }]);

  return (
    <fieldset className="permission-editor">
      <legend>Permissions</legend>
      <ul className="permission-rows">
        {rows.map((row, index) => (
          <PermissionRowEditor
            key={row.id}
            row={row}
            index={index}
            problem={rowProblem(row, rows)}
            onPattern={(pattern) => update(row.id, { pattern })}
            onToggle={(op) => toggle(row, op)}
            onRemove={rows.length > 1 ? () => onChange(rows.filter((r) => r.id !== row.id)) : undefined}
          />
        ))}
      </ul>
      <button type="button" className="button small" onClick={add}>
        Add pattern
      </button>
      <MatchPreview rows={rows} />
    </fieldset>
  );
}

function PermissionRowEditor({
  row,
  index,
  problem,
  onPattern,
  onToggle,
  onRemove,
}: {
  row: PermissionRow;
  index: number;
  problem: string | null;
  onPattern: (pattern: string) => void;
  onToggle: (op: Operation) => void;
  onRemove: (() => void) | undefined;
}) {
  const problemId = useId();
  return (
    <li className="permission-row" data-testid="permission-row">
      <label className="field">
        <span>Room pattern {index + 1}</span>
        <input
          value={row.pattern}
          onChange={(e) => onPattern(e.target.value)}
          placeholder="chat:>"
          maxLength={200}
          aria-invalid={problem !== null}
          aria-describedby={problem ? problemId : undefined}
          spellCheck={false}
          autoCapitalize="off"
        />
      </label>
      <fieldset className="ops plain">
        <legend className="visually-hidden">Operations for pattern {index + 1}</legend>
        {OPERATIONS.map((op) => (
          <label key={op} className="check">
            <input type="checkbox" checked={row.ops.includes(op)} onChange={() => onToggle(op)} />
            {op}
          </label>
        ))}
      </fieldset>
      {problem && (
        <p id={problemId} className="field-error">
          {problem}
        </p>
      )}
      {onRemove && (
        <button type="button" className="button small link" onClick={onRemove}>
          Remove pattern {index + 1}
        </button>
      )}
    </li>
  );
}

function MatchPreview({ rows }: { rows: PermissionRow[] }) {
  const [rooms, setRooms] = useState(SAMPLE_ROOMS);
  const preview = previewRooms(rows, rooms);
  return (
    <div className="match-preview">
      <label className="field">
        <span>Sample room names (one per line): which rooms do these patterns match?</span>
        <textarea rows={3} value={rooms} onChange={(e) => setRooms(e.target.value)} spellCheck={false} />
      </label>
      <ul className="preview-list" aria-label="Pattern match preview">
        {preview.map((item) => (
          <li key={item.room} className={item.matchedBy.length ? 'match' : 'no-match'} data-room={item.room}>
            <code>{item.room}</code>{' '}
            {item.matchedBy.length ? (
              <span>
                <strong>match</strong> ({item.matchedBy.join(', ')}
                {item.granted.length ? ` → ${item.granted.join(', ')}` : ''})
              </span>
            ) : (
              <span>
                <strong>no match</strong>
              </span>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
