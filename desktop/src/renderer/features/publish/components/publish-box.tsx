import { type FormEvent, useState } from 'react';
import { describeError } from '../../../lib/http.js';
import { Link } from '../../../lib/link.js';
import { traceRoute } from '../../../lib/router.js';
import { useConsoleConnection } from '../../connection/components/connection-context.js';
import { useOverview } from '../../overview/api/overview.js';
import { usePublish } from '../api/publish.js';

/** Sends a test message as any client, through the same publish path as a client. */
export function PublishBox({ room: initialRoom = '' }: { room?: string }) {
  const defaultApp = useDefaultAppId();
  const [appId, setAppId] = useState<string | undefined>(undefined);
  const [room, setRoom] = useState(initialRoom);
  const [event, setEvent] = useState('message');
  const [data, setData] = useState('{"text":"hello from the console"}');
  const [clientId, setClientId] = useState('console');
  const [parseError, setParseError] = useState<string | undefined>(undefined);
  const publish = usePublish();
  const effectiveApp = appId ?? defaultApp;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch (error) {
      setParseError(`data is not valid JSON: ${(error as Error).message}`);
      return;
    }
    setParseError(undefined);
    publish.mutate({ appId: effectiveApp, room: room.trim(), event: event.trim(), data: parsed, clientId });
  };

  return (
    <form className="panel publish-box" onSubmit={submit} aria-label="publish">
      <h2>Publish a test message</h2>
      <div className="fields">
        <label>
          App
          <input name="appId" value={effectiveApp} onChange={(e) => setAppId(e.target.value)} required />
        </label>
        <label>
          Room
          <input
            name="room"
            value={room}
            onChange={(e) => setRoom(e.target.value)}
            required
            placeholder="chat:lobby"
          />
        </label>
        <label>
          Event
          <input name="event" value={event} onChange={(e) => setEvent(e.target.value)} required />
        </label>
        <label>
          As client
          <input name="clientId" value={clientId} onChange={(e) => setClientId(e.target.value)} required />
        </label>
      </div>
      <label>
        Data (JSON)
        <textarea
          name="data"
          rows={4}
          value={data}
          onChange={(e) => setData(e.target.value)}
          spellCheck={false}
        />
      </label>
      <button type="submit" disabled={publish.isPending}>
        {publish.isPending ? 'Publishing…' : 'Publish'}
      </button>
      {parseError && (
        <p className="error" role="alert">
          {parseError}
        </p>
      )}
      {publish.isError && (
        <p className="error" role="alert">
          Publish failed: {describeError(publish.error)}
        </p>
      )}
      {publish.data && !publish.isPending && (
        <p className="ok" role="status" data-testid="publish-result">
          Published #{publish.data.seq} <span className="mono">{publish.data.id}</span>{' '}
          <Link to={traceRoute(publish.data.id)}>trace</Link>
        </p>
      )}
    </form>
  );
}

/** The dev app when the daemon named it, else the only (or first) app the overview knows. */
export function useDefaultAppId(): string {
  const connection = useConsoleConnection();
  const overview = useOverview();
  const apps = overview.data?.apps.map((a) => a.appId) ?? [];
  if (connection.devAppId) return connection.devAppId;
  return apps.includes('dev') ? 'dev' : (apps[0] ?? 'dev');
}
