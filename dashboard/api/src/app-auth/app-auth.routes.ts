import { parseAppAuthConfig } from '@relaybox/core';
import { ErrorCode, type PermissionMap, validatePermissionMap } from '@relaybox/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppStore } from '../apps/app-store.js';
import { requireSession } from '../auth/session-guard.js';
import { ApiError } from '../lib/api-error.js';
import type { Services } from '../services.js';
import {
  type AppAuthSettings,
  type AppAuthSettingsPatch,
  authSettingsPatchSchema,
  badRedirectUri,
  MAX_AUTH_PROVIDERS,
  mergeAuthSettings,
  type ProviderCreate,
  type ProviderPatch,
  providerCreateSchema,
  providerPatchSchema,
  toAppsFileAuth,
} from './app-auth-settings.js';
import { AppAuthStore } from './app-auth-store.js';

const appParams = {
  type: 'object',
  required: ['appId'],
  properties: { appId: { type: 'string', maxLength: 64 } },
} as const;
const providerParams = {
  type: 'object',
  required: ['appId', 'providerId'],
  properties: {
    appId: { type: 'string', maxLength: 64 },
    providerId: { type: 'string', maxLength: 64 },
  },
} as const;

type AppParams = { appId: string };
type ProviderParams = { appId: string; providerId: string };

/**
 * `/api/apps/:appId/auth`: the app's user pool (docs/control-plane.md#auth). Every change is pushed
 * to the gateways as `app-updated`, so they load the new settings on the app's next auth call.
 */
export function registerAppAuthRoutes(app: FastifyInstance, services: Services): void {
  const apps = new AppStore(services.db);
  const auth = new AppAuthStore(services.db, services.box);
  const ownedApp = async (request: FastifyRequest, appId: string) =>
    apps.get(requireSession(request).user.id, appId);
  const changed = (appId: string) => services.keyEvents.publish({ type: 'app-updated', appId });
  const view = async (appId: string) => ({
    settings: await auth.settings(appId),
    providers: await auth.providers(appId),
  });

  app.get<{ Params: AppParams }>(
    '/api/apps/:appId/auth',
    { schema: { params: appParams } },
    async (request) => view((await ownedApp(request, request.params.appId)).id),
  );

  app.patch<{ Params: AppParams; Body: AppAuthSettingsPatch }>(
    '/api/apps/:appId/auth',
    { schema: { params: appParams, body: authSettingsPatchSchema } },
    async (request) => {
      const owned = await ownedApp(request, request.params.appId);
      checkSettings(request.body);
      const merged = mergeAuthSettings(await auth.settings(owned.id), request.body);
      checkAppsFileRules(merged, owned.id);
      await auth.saveSettings(owned.id, merged);
      changed(owned.id);
      return view(owned.id);
    },
  );

  app.post<{ Params: AppParams; Body: ProviderCreate }>(
    '/api/apps/:appId/auth/providers',
    { schema: { params: appParams, body: providerCreateSchema } },
    async (request, reply) => {
      const owned = await ownedApp(request, request.params.appId);
      const { kind, issuer } = request.body;
      if (kind === 'oidc' && !issuer) {
        throw new ApiError(ErrorCode.InvalidRequest, 'body.issuer is required for an oidc provider', {
          field: 'issuer',
        });
      }
      if (kind === 'google' && issuer) {
        throw new ApiError(ErrorCode.InvalidRequest, 'body.issuer is fixed for the google preset', {
          field: 'issuer',
        });
      }
      const created = await auth.createProvider(owned.id, request.body, MAX_AUTH_PROVIDERS);
      changed(owned.id);
      return reply.status(201).send(created);
    },
  );

  app.patch<{ Params: ProviderParams; Body: ProviderPatch }>(
    '/api/apps/:appId/auth/providers/:providerId',
    { schema: { params: providerParams, body: providerPatchSchema } },
    async (request) => {
      const owned = await ownedApp(request, request.params.appId);
      const current = await auth.provider(owned.id, request.params.providerId);
      if (request.body.issuer !== undefined && current.kind === 'google') {
        throw new ApiError(ErrorCode.InvalidRequest, 'body.issuer is fixed for the google preset', {
          field: 'issuer',
        });
      }
      const updated = await auth.updateProvider(owned.id, current.id, request.body);
      changed(owned.id);
      return updated;
    },
  );

  app.delete<{ Params: ProviderParams }>(
    '/api/apps/:appId/auth/providers/:providerId',
    { schema: { params: providerParams } },
    async (request, reply) => {
      const owned = await ownedApp(request, request.params.appId);
      await auth.deleteProvider(owned.id, request.params.providerId);
      changed(owned.id);
      return reply.status(204).send();
    },
  );
}

/** What the JSON schema cannot say: a valid permission map, parseable redirect URIs. */
function checkSettings(patch: AppAuthSettingsPatch): void {
  if (patch.userPermissions) {
    const problem = validatePermissionMap(patch.userPermissions as PermissionMap);
    if (problem) {
      throw new ApiError(ErrorCode.InvalidRequest, `body.userPermissions: ${problem}`, {
        field: 'userPermissions',
      });
    }
  }
  const bad = patch.redirectUris ? badRedirectUri(patch.redirectUris) : -1;
  if (bad >= 0) {
    throw new ApiError(
      ErrorCode.InvalidRequest,
      `body.redirectUris.${bad} must be an http(s) URL without a fragment`,
      { field: `redirectUris.${bad}` },
    );
  }
}

/**
 * The merged settings as the gateways will parse them: the apps file's rules and bounds, once
 * (`parseAppAuthConfig`), including the ones across fields (`requireEmailVerification` needs
 * `emailLinks.verifyUrl`). Its message names the field (`body.signInLimits.perAccount must be...`).
 */
function checkAppsFileRules(settings: AppAuthSettings, appId: string): void {
  try {
    parseAppAuthConfig(toAppsFileAuth(settings), 'body', appId);
  } catch (error) {
    const message = (error as Error).message;
    const field = /^body\.([A-Za-z.]+)/.exec(message)?.[1]?.replace(/\.$/, '');
    throw new ApiError(ErrorCode.InvalidRequest, message, field ? { field } : {});
  }
}
