import { assertPublicTarget, BlockedAddressError } from '@relaybox/core';
import { ErrorCode } from '@relaybox/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppStore } from '../apps/app-store.js';
import { requireSession } from '../auth/session-guard.js';
import { ApiError, notFound } from '../lib/api-error.js';
import type { Services } from '../services.js';
import { sendTestEvent } from './send-test-event.js';
import { WEBHOOK_EVENTS } from './webhook-events.js';
import { WebhookStore } from './webhook-store.js';

const createBody = {
  type: 'object',
  required: ['url', 'events'],
  additionalProperties: false,
  properties: {
    url: { type: 'string', minLength: 8, maxLength: 2000, pattern: '^https?://' },
    events: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { type: 'string', enum: [...WEBHOOK_EVENTS] },
    },
  },
} as const;

type Params = { appId: string; id: string };

export function registerWebhookRoutes(app: FastifyInstance, services: Services): void {
  const apps = new AppStore(services.db);
  const webhooks = new WebhookStore(services.db, services.box);
  const ownedApp = (request: FastifyRequest, appId: string) =>
    apps.get(requireSession(request).user.id, appId);
  const ownedEndpoint = async (request: FastifyRequest, params: Params) => {
    const owned = await ownedApp(request, params.appId);
    const [endpoint] = await webhooks.withSecrets(owned.id, params.id);
    if (!endpoint) throw notFound('webhook');
    return { appId: owned.id, endpoint };
  };

  app.get<{ Params: { appId: string } }>('/api/apps/:appId/webhooks', async (request) => ({
    items: await webhooks.list((await ownedApp(request, request.params.appId)).id),
  }));

  app.post<{ Params: { appId: string }; Body: { url: string; events: string[] } }>(
    '/api/apps/:appId/webhooks',
    { schema: { body: createBody } },
    async (request, reply) => {
      const owned = await ownedApp(request, request.params.appId);
      const url = checkUrl(request.body.url);
      if (!services.config.webhookAllowPrivateNetworks) await checkPublic(url);
      const created = await webhooks.create(
        owned.id,
        url,
        request.body.events,
        services.config.webhookMaxEndpointsPerApp,
      );
      // Gateways drop their cached endpoints of the app (config is otherwise cached 30 s).
      services.keyEvents.publish({ type: 'app-updated', appId: owned.id });
      return reply.status(201).send(created);
    },
  );

  app.delete<{ Params: Params }>('/api/apps/:appId/webhooks/:id', async (request, reply) => {
    const owned = await ownedApp(request, request.params.appId);
    await webhooks.delete(owned.id, request.params.id);
    services.keyEvents.publish({ type: 'app-updated', appId: owned.id });
    return reply.status(204).send();
  });

  app.post<{ Params: Params }>('/api/apps/:appId/webhooks/:id/test', async (request) => {
    const { appId, endpoint } = await ownedEndpoint(request, request.params);
    const outcome = await sendTestEvent(endpoint, appId, {
      timeoutMs: services.config.webhookTimeoutMs,
      allowPrivateNetworks: services.config.webhookAllowPrivateNetworks,
    });
    return { delivery: await webhooks.recordDelivery(endpoint.id, outcome) };
  });

  app.get<{ Params: Params }>('/api/apps/:appId/webhooks/:id/deliveries', async (request) => {
    const { endpoint } = await ownedEndpoint(request, request.params);
    return { items: await webhooks.deliveries(endpoint.id) };
  });
}

/** http(s) URLs only, parsed by WHATWG URL; credentials in the URL are refused. */
function checkUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalidUrl('is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidUrl('must be http or https');
  if (url.username || url.password) throw invalidUrl('must not contain credentials');
  return url.toString();
}

/** Refuses a URL whose host is, or now resolves to, a private address (checked again on every delivery). */
async function checkPublic(url: string): Promise<void> {
  try {
    await assertPublicTarget(new URL(url));
  } catch (error) {
    if (error instanceof BlockedAddressError) throw invalidUrl(`is refused: ${error.message}`);
    throw invalidUrl(
      `has a host that does not resolve (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

const invalidUrl = (why: string) =>
  new ApiError(ErrorCode.InvalidRequest, `body.url ${why}`, { field: 'url' });
