import type { AdminInbox, AdminInboxDelivery } from '@relaybox/protocol';
import { useState } from 'react';
import { formatTime } from '../../../lib/format.js';
import { describeError } from '../../../lib/http.js';
import { Empty, QueryState } from '../../../lib/query-state.js';
import { useInbox, useInboxRequests, useRegisterInbox, useRemoveInbox, useReplay } from '../api/webhooks.js';

const STATUSES = [200, 400, 500, 503] as const;

/** The app's webhook inbox: one click registers it as an endpoint; every request it got, verified or not. */
export function InboxPanel({ appId }: { appId: string }) {
  const query = useInbox(appId);
  const register = useRegisterInbox();
  const remove = useRemoveInbox();
  const [baseUrl, setBaseUrl] = useState('');
  const inbox = query.data?.inbox;
  const save = (respondWith: number) =>
    register.mutate({ appId, respondWith, ...(baseUrl.trim() ? { baseUrl: baseUrl.trim() } : {}) });
  return (
    <section className="panel" aria-label="webhook inbox">
      <header className="panel-head">
        <h2>Inbox</h2>
        <div className="actions">
          {inbox ? (
            <>
              <label className="inline">
                Answer with{' '}
                <select
                  aria-label="inbox answer"
                  value={inbox.respondWith}
                  onChange={(e) => save(Number(e.target.value))}
                >
                  {STATUSES.map((s) => (
                    <option key={s} value={s}>
                      {s}
                    </option>
                  ))}
                </select>
              </label>
              <button type="button" onClick={() => remove.mutate(appId)} disabled={remove.isPending}>
                Remove inbox
              </button>
            </>
          ) : (
            <>
              <input
                aria-label="receiver origin"
                placeholder="receiver origin (default: this one)"
                value={baseUrl}
                onChange={(e) => setBaseUrl(e.target.value)}
              />
              <button type="button" onClick={() => save(200)} disabled={register.isPending}>
                Create inbox
              </button>
            </>
          )}
        </div>
      </header>
      {(register.isError || remove.isError) && (
        <p className="state error" role="alert">
          {describeError(register.error ?? remove.error)}
        </p>
      )}
      <QueryState query={query} label="the inbox">
        {inbox ? (
          <InboxRequests inbox={inbox} />
        ) : (
          <Empty>No inbox yet: create one to receive this app's webhooks here.</Empty>
        )}
      </QueryState>
    </section>
  );
}

function InboxRequests({ inbox }: { inbox: AdminInbox }) {
  const query = useInboxRequests(inbox.id);
  const replay = useReplay();
  return (
    <>
      <p className="muted">
        Endpoint <span className="mono">{inbox.endpointId}</span> posts to{' '}
        <span className="mono" data-testid="inbox-url">
          {inbox.url}
        </span>
      </p>
      {replay.isError && (
        <p className="state error" role="alert">
          Replay failed: {describeError(replay.error)}
        </p>
      )}
      <QueryState query={query} label="inbox requests">
        {(query.data?.items.length ?? 0) === 0 ? (
          <Empty>No delivery received yet.</Empty>
        ) : (
          <ol className="events">
            {query.data?.items.map((d) => (
              <InboxRequest
                key={d.id}
                delivery={d}
                onReplay={() => replay.mutate({ inboxId: inbox.id, deliveryId: d.id })}
              />
            ))}
          </ol>
        )}
      </QueryState>
    </>
  );
}

function InboxRequest({ delivery, onReplay }: { delivery: AdminInboxDelivery; onReplay: () => void }) {
  return (
    <li
      data-testid="inbox-request"
      data-event-id={delivery.eventId ?? ''}
      data-verified={String(delivery.verified)}
    >
      <span className="muted mono">{formatTime(delivery.receivedAt)}</span>{' '}
      <strong>{delivery.eventType ?? 'unknown event'}</strong>{' '}
      <span className="mono">{delivery.eventId}</span>{' '}
      {delivery.attempt !== undefined && <span className="muted">try {delivery.attempt}</span>}{' '}
      <span className={delivery.verified ? 'badge healthy' : 'badge stopped'} title={delivery.verifyError}>
        {delivery.verified ? 'signature verified' : 'not verified'}
      </span>{' '}
      <span className="muted">answered {delivery.status}</span>{' '}
      <button type="button" onClick={onReplay} disabled={!delivery.eventId}>
        Replay
      </button>
      {delivery.verifyError && <p className="error">{delivery.verifyError}</p>}
      <details>
        <summary>Headers and body</summary>
        <pre className="data">
          {Object.entries(delivery.headers)
            .map(([k, v]) => `${k}: ${v}`)
            .join('\n')}
        </pre>
        <pre className="data">{pretty(delivery.body)}</pre>
      </details>
    </li>
  );
}

function pretty(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}
