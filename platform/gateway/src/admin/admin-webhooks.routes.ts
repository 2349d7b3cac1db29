import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import { INBOX_MAX_BODY_BYTES, receiveInboxDelivery } from '@relaybox/workers';
import { ResponseGuard, readBody } from '../uws/http.js';
import type { AdminRoute } from './admin.routes.js';
import { jsonObject, requiredString } from './admin-body.js';
import type { AdminViews } from './admin-views.js';
import type { WebhookAdmin } from './webhook-admin.js';

const MAX_ID_LENGTH = 200;

/**
 * `/v1/admin/webhooks/...` (contract in docs/inspector.md#webhooks): endpoints, delivery logs, dead
 * letters with requeue, the webhook inbox with replay. Mounted through the admin guard by `route`.
 */
export function mountWebhookAdminRoutes(
  route: AdminRoute,
  admin: WebhookAdmin,
  views: Pick<AdminViews, 'appOf'>,
  maxBodyBytes: number,
): void {
  const appOf = (query: URLSearchParams) => views.appOf(query.get('appId') || undefined);
  const limit = (query: URLSearchParams) => {
    const raw = query.get('limit');
    if (raw === null || raw === '') return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1)
      throw new RelayBoxError(ErrorCode.InvalidRequest, '"limit" must be a positive integer');
    return n;
  };
  route('get', '/v1/admin/webhooks', async ({ query }) => ({ items: await admin.endpoints(appOf(query)) }));
  route('get', '/v1/admin/webhooks/dead-letters', async ({ query }) => ({
    items: await admin.deadLetters(appOf(query), limit(query)),
  }));
  route(
    'post',
    '/v1/admin/webhooks/dead-letters/requeue',
    async ({ response }) => {
      const b = jsonObject(await readBody(response, maxBodyBytes));
      const appId = views.appOf(typeof b.appId === 'string' && b.appId ? b.appId : undefined);
      return admin.requeue(
        appId,
        requiredString(b, 'endpointId', MAX_ID_LENGTH),
        requiredString(b, 'eventId', MAX_ID_LENGTH),
      );
    },
    202,
  );
  route('get', '/v1/admin/webhooks/inbox', async ({ query }) => ({
    inbox: await admin.inboxOf(appOf(query)),
  }));
  route('post', '/v1/admin/webhooks/inbox', async ({ response, host }) => {
    const b = jsonObject(await readBody(response, maxBodyBytes), true);
    const appId = views.appOf(typeof b.appId === 'string' && b.appId ? b.appId : undefined);
    return admin.registerInbox(appId, b, `http://${host}`);
  });
  route('del', '/v1/admin/webhooks/inbox', ({ query }) => admin.removeInbox(appOf(query)));
  route('get', '/v1/admin/webhooks/inbox/:id/deliveries', async ({ param, query }) => ({
    items: await admin.inboxDeliveries(param, limit(query)),
  }));
  route(
    'post',
    '/v1/admin/webhooks/inbox/:id/replay',
    async ({ param, response }) => {
      const b = jsonObject(await readBody(response, maxBodyBytes));
      return admin.replay(param, requiredString(b, 'deliveryId', MAX_ID_LENGTH));
    },
    202,
  );
  route('get', '/v1/admin/webhooks/:endpointId/deliveries', async ({ param, query }) => ({
    items: await admin.deliveries(appOf(query), decodeId(param), limit(query)),
  }));
}

function decodeId(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new RelayBoxError(ErrorCode.InvalidRequest, 'endpoint id is not valid percent-encoding');
  }
}

/**
 * `POST /v1/dev/inbox/:id`: the webhook inbox's receiver. Not behind the admin token (the worker
 * posts here like any webhook receiver): the unguessable inbox id is the credential, and it exists
 * only in the local engines. Answers the inbox's `respondWith` status.
 */
export function mountInboxReceiver(
  app: TemplatedApp,
  admin: { store: Parameters<typeof receiveInboxDelivery>[0] },
): void {
  app.post('/v1/dev/inbox/:id', (res: HttpResponse, req: HttpRequest) => {
    const id = req.getParameter(0) ?? '';
    const headers: Record<string, string> = {};
    req.forEach((name, value) => {
      headers[name] = value;
    });
    const response = new ResponseGuard(res);
    readBody(response, INBOX_MAX_BODY_BYTES)
      .then((body) => receiveInboxDelivery(admin.store, id, { headers, body }))
      .then(
        ({ status, delivery }) =>
          response.json(status, { received: delivery.id, verified: delivery.verified }),
        (error: unknown) => response.error(error),
      );
  });
}
