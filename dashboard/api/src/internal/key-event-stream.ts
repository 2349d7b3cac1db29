import type { FastifyInstance } from 'fastify';
import type { KeyEvent } from '../keys/key-events.js';
import type { Services } from '../services.js';

export const PING_INTERVAL_MS = 15_000;

/**
 * `GET /keys/events`: Server-Sent Events. `ready` first, then `revoke` {appId, keyId} (revoke and
 * rotate), `app-deleted` {appId}, `app-updated` {appId} (settings, auth settings or webhook
 * endpoints changed), `user-revoked` {appId, userId} (an end user's sessions were revoked from the
 * dashboard), `webhook-requeue` {appId, endpointId, eventId, requestId} (a dead letter to queue
 * again; answered on `POST /webhooks/requeues/:requestId`), and a `: ping` comment every 15 s. Streams end when the
 * server closes or after this process lost events (KeyEvents `reset`), so gateways reconnect and
 * flush their caches.
 */
export function registerKeyEventStream(scope: FastifyInstance, services: Services): void {
  const open = new Set<() => void>();
  scope.addHook('preClose', async () => {
    for (const end of open) end();
  });

  // No HEAD twin: it would run the stream and never answer.
  scope.get('/keys/events', { exposeHeadRoute: false }, (request, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('event: ready\ndata: {}\n\n');
    const unsubscribe = services.keyEvents.subscribe((event: KeyEvent) => res.write(format(event)));
    const ping = setInterval(() => res.write(': ping\n\n'), PING_INTERVAL_MS);
    const stopReset = services.keyEvents.onReset(() => end());
    const end = () => {
      clearInterval(ping);
      unsubscribe();
      stopReset();
      open.delete(end);
      if (!res.writableEnded) res.end();
    };
    open.add(end);
    request.raw.on('close', end);
    res.on('close', end);
  });
}

/** `event: <type>` and the event's other fields as the JSON data. */
function format(event: KeyEvent): string {
  const { type, ...data } = event;
  return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}
