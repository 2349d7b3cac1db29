import { ErrorCode } from '@relaybox/protocol';
import type { FastifyInstance } from 'fastify';
import { AppAuthStore } from '../app-auth/app-auth-store.js';
import { AppStore } from '../apps/app-store.js';
import { KeyStore } from '../keys/key-store.js';
import { ApiError, notFound } from '../lib/api-error.js';
import { safeEqual } from '../lib/ids.js';
import type { Services } from '../services.js';
import { type UsageReportItem, UsageStore } from '../usage/usage-store.js';
import { DeadLetterStore, type ReportedDeadLetterChange } from '../webhooks/dead-letter-store.js';
import { type ReportedAttempt, WebhookStore } from '../webhooks/webhook-store.js';
import { registerKeyEventStream } from './key-event-stream.js';

const usageBody = {
  type: 'object',
  required: ['nodeId', 'items'],
  additionalProperties: false,
  properties: {
    nodeId: { type: 'string', minLength: 1, maxLength: 200 },
    items: {
      type: 'array',
      maxItems: 10_000,
      items: {
        type: 'object',
        required: ['appId', 'ts', 'connections', 'messages', 'concurrent'],
        additionalProperties: false,
        properties: {
          appId: { type: 'string', minLength: 1, maxLength: 64 },
          ts: { type: 'integer', minimum: 0 },
          connections: { type: 'integer', minimum: 0 },
          messages: { type: 'integer', minimum: 0 },
          concurrent: { type: 'integer', minimum: 0 },
        },
      },
    },
  },
} as const;

/** A worker's report body: `{ items }`, at most `maxItems` objects of exactly these fields. */
function reportBody<P extends Record<string, object>>(
  maxItems: number,
  required: readonly (keyof P & string)[],
  properties: P,
) {
  return {
    type: 'object',
    required: ['items'],
    additionalProperties: false,
    properties: {
      items: {
        type: 'array',
        maxItems,
        items: { type: 'object', required, additionalProperties: false, properties },
      },
    },
  } as const;
}

/** The fields that name one webhook event of one endpoint, in every report. */
const eventFields = {
  appId: { type: 'string', minLength: 1, maxLength: 64 },
  endpointId: { type: 'string', minLength: 1, maxLength: 64 },
  eventId: { type: 'string', minLength: 1, maxLength: 100 },
  type: { type: 'string', minLength: 1, maxLength: 64 },
} as const;

/** Tries per report at most (a worker reports every 2 s). */
export const MAX_REPORTED_ATTEMPTS = 1000;

const attemptsBody = reportBody(
  MAX_REPORTED_ATTEMPTS,
  ['appId', 'endpointId', 'eventId', 'type', 'attempt', 'latencyMs', 'at'],
  {
    ...eventFields,
    attempt: { type: 'integer', minimum: 1, maximum: 1000 },
    status: { type: 'integer', minimum: 100, maximum: 599 },
    error: { type: 'string', maxLength: 500 },
    latencyMs: { type: 'integer', minimum: 0, maximum: 3_600_000 },
    at: { type: 'integer', minimum: 0 },
  },
);

/** Dead-letter changes per report at most (a worker reports every 2 s). */
export const MAX_REPORTED_DEAD_LETTER_CHANGES = 1000;

const deadLettersBody = reportBody(
  MAX_REPORTED_DEAD_LETTER_CHANGES,
  ['op', 'appId', 'endpointId', 'eventId', 'failedAt'],
  {
    op: { type: 'string', enum: ['add', 'remove'] },
    ...eventFields,
    attempts: { type: 'integer', minimum: 0, maximum: 1000 },
    reason: { type: 'string', minLength: 1, maxLength: 32 },
    lastStatus: { type: 'integer', minimum: 100, maximum: 599 },
    lastError: { type: 'string', maxLength: 500 },
    failedAt: { type: 'integer', minimum: 0 },
  },
);

const requeueAnswerBody = {
  type: 'object',
  required: ['outcome'],
  additionalProperties: false,
  properties: {
    outcome: { type: 'string', enum: ['requeued', 'not_found', 'failed'] },
    jobId: { type: 'string', minLength: 1, maxLength: 300 },
    message: { type: 'string', maxLength: 500 },
  },
} as const;

/** `/internal/v1/*`: for gateways, authenticated with the service token (Bearer, constant-time). */
export async function internalRoutes(scope: FastifyInstance, services: Services): Promise<void> {
  const apps = new AppStore(services.db);
  const auth = new AppAuthStore(services.db, services.box);
  const keys = new KeyStore(services.db, services.box);
  const webhooks = new WebhookStore(services.db, services.box);
  const usage = new UsageStore(services.db);
  const deadLetters = new DeadLetterStore(services.db);

  scope.addHook('onRequest', async (request) => {
    const header = request.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7) : '';
    if (!token || !safeEqual(token, services.config.serviceToken)) {
      throw new ApiError(ErrorCode.Unauthorized, 'a valid service token is required');
    }
  });

  registerKeyEventStream(scope, services);

  scope.get<{ Params: { appId: string; keyId: string } }>('/keys/:appId/:keyId', async (request) => {
    const { appId, keyId } = request.params;
    const key = await keys.resolve(appId, keyId);
    if (!key) throw notFound('key');
    await keys.touch(appId, keyId);
    return { appId, keyId, secret: key.secret, permissions: key.permissions };
  });

  scope.get<{ Params: { appId: string } }>('/apps/:appId/config', async (request) => {
    const app = await apps.getById(request.params.appId);
    if (!app) throw notFound('app');
    const endpoints = await webhooks.withSecrets(app.id);
    return {
      appId: app.id,
      settings: app.settings,
      webhooks: endpoints.map(({ id, url, events, secret }) => ({ id, url, events, secret })),
      // The user pool in the apps file's `auth` shape (client secrets decrypted), or null: none.
      auth: await auth.forGateway(app.id),
    };
  });

  // Real webhook tries, reported by the gateways' webhook workers for the dashboard's delivery log.
  scope.post<{ Body: { items: ReportedAttempt[] } }>(
    '/webhooks/deliveries',
    { schema: { body: attemptsBody } },
    async (request) => ({ stored: await webhooks.recordAttempts(request.body.items) }),
  );

  // Dead-letter moves and removals, reported by the same workers for the dashboard's dead-letter list.
  scope.post<{ Body: { items: ReportedDeadLetterChange[] } }>(
    '/webhooks/dead-letters',
    { schema: { body: deadLettersBody } },
    async (request) => {
      const incomplete = request.body.items.findIndex(
        (c) => c.op === 'add' && (c.type === undefined || c.attempts === undefined || c.reason === undefined),
      );
      if (incomplete >= 0) {
        throw new ApiError(
          ErrorCode.InvalidRequest,
          `body.items[${incomplete}]: an add needs type, attempts and reason`,
        );
      }
      return { stored: await deadLetters.record(request.body.items) };
    },
  );

  // A gateway's answer to a pushed `webhook-requeue` (see webhooks/dead-letters.routes.ts).
  scope.post<{
    Params: { requestId: string };
    Body: { outcome: 'requeued' | 'not_found' | 'failed'; jobId?: string; message?: string };
  }>('/webhooks/requeues/:requestId', { schema: { body: requeueAnswerBody } }, async (request) => ({
    open: await deadLetters.answer(request.params.requestId, request.body),
  }));

  scope.post<{ Body: { nodeId: string; items: UsageReportItem[] } }>(
    '/usage',
    { schema: { body: usageBody } },
    async (request, reply) => {
      await usage.ingest(request.body.nodeId, request.body.items);
      return reply.status(204).send();
    },
  );
}
