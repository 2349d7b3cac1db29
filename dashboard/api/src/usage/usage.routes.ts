import type { FastifyInstance } from 'fastify';
import { AppStore } from '../apps/app-store.js';
import { requireSession } from '../auth/session-guard.js';
import type { Services } from '../services.js';
import { UsageStore } from './usage-store.js';

export function registerUsageRoutes(app: FastifyInstance, services: Services): void {
  const apps = new AppStore(services.db);
  const usage = new UsageStore(services.db);

  app.get<{ Params: { appId: string }; Querystring: { days?: string } }>(
    '/api/apps/:appId/usage',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { days: { type: 'string', pattern: '^([1-9]|[1-9][0-9]|[1-3][0-9][0-9])$' } },
        },
      },
    },
    async (request) => {
      const owned = await apps.get(requireSession(request).user.id, request.params.appId);
      const days = Number(request.query.days ?? 30);
      return { items: await usage.daily(owned.id, days) };
    },
  );
}
