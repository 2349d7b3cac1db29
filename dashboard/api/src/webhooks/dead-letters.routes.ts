import { ErrorCode } from '@relaybox/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppStore } from '../apps/app-store.js';
import { requireSession } from '../auth/session-guard.js';
import { ApiError, notFound } from '../lib/api-error.js';
import type { Services } from '../services.js';
import { DEAD_LETTER_PAGE_MAX, DeadLetterStore, type RequeueResult } from './dead-letter-store.js';
import { WebhookStore } from './webhook-store.js';

const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    endpointId: { type: 'string', minLength: 1, maxLength: 64 },
    limit: { type: 'string', pattern: '^[0-9]{1,4}$' },
    cursor: { type: 'string', minLength: 1, maxLength: 20 },
  },
} as const;

/** How often a requeue looks for the gateways' answers while it waits. */
const ANSWER_POLL_MS = 50;

/**
 * The dead-letter list of cloud apps (mirrored from the gateways' reports) and requeue: the control
 * plane pushes `webhook-requeue` to every gateway on the key event stream; the one that takes the
 * letter off the shared Redis list queues it again and answers. See docs/webhooks.md.
 */
export function registerDeadLetterRoutes(app: FastifyInstance, services: Services): void {
  const apps = new AppStore(services.db);
  const webhooks = new WebhookStore(services.db, services.box);
  const letters = new DeadLetterStore(services.db);
  const ownedApp = (request: FastifyRequest, appId: string) =>
    apps.get(requireSession(request).user.id, appId);

  app.get<{
    Params: { appId: string };
    Querystring: { endpointId?: string; limit?: string; cursor?: string };
  }>('/api/apps/:appId/webhooks/dead-letters', { schema: { querystring: listQuery } }, async (request) => {
    const owned = await ownedApp(request, request.params.appId);
    const { endpointId, cursor } = request.query;
    const limit = Number(request.query.limit ?? 50);
    if (limit < 1 || limit > DEAD_LETTER_PAGE_MAX) {
      throw new ApiError(ErrorCode.InvalidRequest, `querystring.limit must be 1 to ${DEAD_LETTER_PAGE_MAX}`, {
        field: 'limit',
      });
    }
    return letters.list(owned.id, {
      limit,
      ...(endpointId === undefined ? {} : { endpointId }),
      ...(cursor === undefined ? {} : { cursor }),
    });
  });

  app.post<{ Params: { appId: string; id: string; eventId: string } }>(
    '/api/apps/:appId/webhooks/:id/dead-letters/:eventId/requeue',
    async (request) => {
      const owned = await ownedApp(request, request.params.appId);
      const [endpoint] = await webhooks.withSecrets(owned.id, request.params.id);
      if (!endpoint) throw notFound('webhook');
      const requeued = await requeue(services, letters, owned.id, endpoint.id, request.params.eventId);
      return { requeued };
    },
  );
}

/**
 * Hands the requeue to the app's gateways and waits for the one that queued it. The gateways take
 * the letter atomically from their shared list, so at most one answers `requeued`; one that failed
 * put the letter back. No answer in time: 503 `gateway_unavailable` (retryable; nothing moved).
 */
async function requeue(
  services: Services,
  letters: DeadLetterStore,
  appId: string,
  endpointId: string,
  eventId: string,
): Promise<RequeueResult> {
  const letter = await letters.newest(appId, endpointId, eventId);
  if (!letter) {
    throw new ApiError(
      ErrorCode.DeadLetterNotFound,
      `no dead letter of event "${eventId}" for this endpoint`,
    );
  }
  const requestId = await letters.openRequeue(appId, endpointId, eventId);
  try {
    services.keyEvents.publish({ type: 'webhook-requeue', appId, endpointId, eventId, requestId });
    const deadline = Date.now() + services.config.webhookRequeueTimeoutMs;
    let state = await letters.requeueState(requestId);
    while (state?.outcome !== 'requeued' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, ANSWER_POLL_MS));
      state = await letters.requeueState(requestId);
    }
    if (state?.outcome === 'requeued') {
      // The gateway's own removal report follows; the list shows the change at once.
      await letters.removeRow(letter.seq);
      return { endpointId, eventId, jobId: state.jobId ?? '' };
    }
    if (state?.failure) {
      throw new ApiError(
        ErrorCode.GatewayUnavailable,
        `the gateway could not queue the event again (${state.failure}); the dead letter stays, retry`,
      );
    }
    if (state && state.notFound > 0) {
      // Every gateway that answered has no such letter: it was dropped by the list's bound or taken.
      await letters.removeRow(letter.seq);
      throw new ApiError(
        ErrorCode.DeadLetterNotFound,
        `the dead letter of event "${eventId}" is no longer on the gateways' list`,
      );
    }
    throw new ApiError(
      ErrorCode.GatewayUnavailable,
      'no gateway of this app answered the requeue; nothing was requeued or lost, retry',
    );
  } finally {
    await letters.closeRequeue(requestId);
  }
}
