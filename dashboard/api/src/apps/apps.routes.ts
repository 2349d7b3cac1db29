import type { FastifyInstance } from 'fastify';
import { requireSession } from '../auth/session-guard.js';
import type { Services } from '../services.js';
import { type AppSettingsPatch, mergeSettings, settingsPatchSchema } from './app-settings.js';
import { AppStore } from './app-store.js';

const nameSchema = { type: 'string', minLength: 1, maxLength: 100, pattern: '\\S' } as const;
export const appParamsSchema = {
  type: 'object',
  required: ['appId'],
  properties: { appId: { type: 'string', maxLength: 64 } },
} as const;

export function registerAppRoutes(app: FastifyInstance, services: Services): void {
  const apps = new AppStore(services.db);

  app.get('/api/apps', async (request) => ({ items: await apps.list(requireSession(request).user.id) }));

  app.post<{ Body: { name: string } }>(
    '/api/apps',
    {
      schema: {
        body: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: { name: nameSchema },
        },
      },
    },
    async (request, reply) => {
      const app = await apps.create(requireSession(request).user.id, request.body.name.trim());
      return reply.status(201).send(app);
    },
  );

  app.get<{ Params: { appId: string } }>(
    '/api/apps/:appId',
    { schema: { params: appParamsSchema } },
    async (request) => apps.get(requireSession(request).user.id, request.params.appId),
  );

  app.patch<{ Params: { appId: string }; Body: { name?: string; settings?: AppSettingsPatch } }>(
    '/api/apps/:appId',
    {
      schema: {
        params: appParamsSchema,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { name: nameSchema, settings: settingsPatchSchema },
        },
      },
    },
    async (request) => {
      const accountId = requireSession(request).user.id;
      const current = await apps.get(accountId, request.params.appId);
      const updated = await apps.update(accountId, current.id, {
        name: request.body.name?.trim(),
        settings: request.body.settings ? mergeSettings(current.settings, request.body.settings) : undefined,
      });
      // Gateways drop their cached config of the app and load the new settings on next use.
      if (request.body.settings) services.keyEvents.publish({ type: 'app-updated', appId: current.id });
      return updated;
    },
  );

  app.delete<{ Params: { appId: string } }>(
    '/api/apps/:appId',
    { schema: { params: appParamsSchema } },
    async (request, reply) => {
      await apps.delete(requireSession(request).user.id, request.params.appId);
      services.keyEvents.publish({ type: 'app-deleted', appId: request.params.appId });
      return reply.status(204).send();
    },
  );
}
