import { type AdminExplainRequest, OPERATIONS, type Operation } from '@relaybox/protocol';
import { type FormEvent, useEffect, useState } from 'react';
import { describeError } from '../../../lib/http.js';
import { useExplain } from '../api/explain.js';
import { ExplanationView } from './explanation.js';

type Subject = 'token' | 'connection' | 'trace';

/**
 * The permission explainer: a pasted token, a connection, or a refused upgrade / denied request from
 * the feed (`/explain/trace/<id>`), and for a room and operation whether it is allowed and why.
 */
export function ExplainView({ subject: initialSubject, id }: { subject?: string; id?: string }) {
  const [subject, setSubject] = useState<Subject>(isSubject(initialSubject) ? initialSubject : 'token');
  const [value, setValue] = useState(id ?? '');
  const [room, setRoom] = useState('');
  const [operation, setOperation] = useState<Operation | ''>('');
  const explain = useExplain();
  const { mutate } = explain;

  const request = (): AdminExplainRequest => {
    const base: AdminExplainRequest =
      subject === 'token'
        ? { token: value.trim() }
        : subject === 'connection'
          ? { connectionId: value.trim() }
          : { traceId: value.trim() };
    if (room.trim()) base.room = room.trim();
    if (operation) base.operation = operation;
    return base;
  };
  // Opened from the feed or a connection: explain at once.
  useEffect(() => {
    if (id && isSubject(initialSubject)) {
      mutate(initialSubject === 'trace' ? { traceId: id } : { connectionId: id });
    }
  }, [id, initialSubject, mutate]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    explain.mutate(request());
  };
  return (
    <div className="explain-view">
      <form className="panel" aria-label="explain" onSubmit={submit}>
        <h2>Why is this allowed or refused?</h2>
        <div className="fields">
          <label>
            Explain
            <select
              aria-label="subject"
              value={subject}
              onChange={(e) => setSubject(e.target.value as Subject)}
            >
              <option value="token">a token (pasted)</option>
              <option value="connection">a connection</option>
              <option value="trace">an event of the feed</option>
            </select>
          </label>
          <label>
            Room
            <input
              name="room"
              value={room}
              onChange={(e) => setRoom(e.target.value)}
              placeholder="chat:lobby"
            />
          </label>
          <label>
            Operation
            <select
              aria-label="operation"
              value={operation}
              onChange={(e) => setOperation(e.target.value as Operation | '')}
            >
              <option value="">(every one)</option>
              {OPERATIONS.map((op) => (
                <option key={op} value={op}>
                  {op}
                </option>
              ))}
            </select>
          </label>
        </div>
        {subject === 'token' ? (
          <label>
            Token
            <textarea
              name="subject-value"
              rows={3}
              value={value}
              onChange={(e) => setValue(e.target.value)}
              spellCheck={false}
              autoComplete="off"
            />
          </label>
        ) : (
          <label>
            {subject === 'connection' ? 'Connection id' : 'Trace event id'}
            <input name="subject-value" value={value} onChange={(e) => setValue(e.target.value)} />
          </label>
        )}
        <button type="submit" disabled={explain.isPending || !value.trim()}>
          Explain
        </button>
        {explain.isError && (
          <p className="error" role="alert">
            {describeError(explain.error)}
          </p>
        )}
      </form>
      {explain.data && <ExplanationView explanation={explain.data} />}
    </div>
  );
}

function isSubject(value: string | undefined): value is Subject {
  return value === 'token' || value === 'connection' || value === 'trace';
}
