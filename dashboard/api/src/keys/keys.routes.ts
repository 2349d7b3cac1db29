import { ErrorCode, type PermissionMap, validatePermissionMap } from '@relaybox/protocol';
import type { FastifyInstance } from 'fastify';
import { AppStore } from '../apps/app-store.js';
import { requireSession } from '../auth/session-guard.js';
import { ApiError } from '../lib/api-error.js';
import type { Services } from '../services.js';
import { KeyStore } from './key-store.js';

const MAX_PATTERNS = 100;

const keyParams = {
  type: 'object',
  required: ['appId', 'keyId'],
  properties: { appId: { type: 'string', maxLength: 64 }, keyId: { type: 'string', maxLength: 64 } },
} as const;

const createBody = {
  type: 'object',
  required: ['name', 'permissions'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100, pattern: '\\S' },
    permissions: {
      type: 'object',
      maxProperties: MAX_PATTERNS,
      propertyNames: { minLength: 1, maxLength: 200 },
      additionalProperties: { type: 'array', maxItems: 5, uniqueItems: true, items: { type: 'string' } },
    },
  },
} as const;

type KeyParams = { appId: string; keyId: string };

export function registerKeyRoutes(app: FastifyInstance, services: Services): void {
  const apps = new AppStore(services.db);
  const keys = new KeyStore(services.db, services.box);
  const ownedApp = async (request: Parameters<typeof requireSession>[0], appId: string) =>
    apps.get(requireSession(request).user.id, appId);

  app.get<{ Params: { appId: string } }>('/api/apps/:appId/keys', async (request) => {
    const owned = await ownedApp(request, request.params.appId);
    return { items: await keys.list(owned.id) };
  });

  app.post<{ Params: { appId: string }; Body: { name: string; permissions: PermissionMap } }>(
    '/api/apps/:appId/keys',
    { schema: { body: createBody } },
    async (request, reply) => {
      const owned = await ownedApp(request, request.params.appId);
      const problem = validatePermissionMap(request.body.permissions);
      if (problem)
        throw new ApiError(ErrorCode.InvalidRequest, `body.permissions: ${problem}`, {
          field: 'permissions',
        });
      const issued = await keys.create(owned.id, request.body.name.trim(), request.body.permissions);
      return reply.status(201).send(issued);
    },
  );

  app.post<{ Params: KeyParams }>(
    '/api/apps/:appId/keys/:keyId/revoke',
    { schema: { params: keyParams } },
    async (request) => {
      const owned = await ownedApp(request, request.params.appId);
      const info = await keys.revoke(owned.id, request.params.keyId);
      services.keyEvents.publish({ type: 'revoke', appId: owned.id, keyId: info.id });
      return info;
    },
  );

  app.post<{ Params: KeyParams }>(
    '/api/apps/:appId/keys/:keyId/rotate',
    { schema: { params: keyParams } },
    async (request) => {
      const owned = await ownedApp(request, request.params.appId);
      const issued = await keys.rotate(owned.id, request.params.keyId);
      services.keyEvents.publish({ type: 'revoke', appId: owned.id, keyId: issued.key.id });
      return issued;
    },
  );
}
