import { ErrorCode } from '@relaybox/protocol';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { ApiError, notFound } from '../lib/api-error.js';
import type { SecretBox } from '../lib/secret-box.js';
import {
  type AppAuthSettings,
  type AuthProviderInfo,
  type AuthProviderKind,
  DEFAULT_APP_AUTH_SETTINGS,
  type ProviderCreate,
  type ProviderPatch,
  readAuthSettings,
  toAppsFileAuth,
} from './app-auth-settings.js';

/** AAD of a sealed client secret: it only opens on its own row. */
const providerContext = (appId: string, providerId: string) => `auth-provider:${appId}.${providerId}`;

const PROVIDER_COLUMNS = ['provider_id', 'kind', 'issuer', 'client_id', 'scopes', 'created_at'] as const;

interface ProviderRow {
  provider_id: string;
  kind: string;
  issuer: string | null;
  client_id: string;
  scopes: unknown;
  created_at: Date;
}

const toInfo = (row: ProviderRow): AuthProviderInfo => ({
  id: row.provider_id,
  kind: row.kind as AuthProviderKind,
  issuer: row.issuer,
  clientId: row.client_id,
  scopes: (typeof row.scopes === 'string' ? JSON.parse(row.scopes) : row.scopes) as string[] | null,
  createdAt: new Date(row.created_at).toISOString(),
});

/** The user pool of an app as the gateways read it: the apps file's `auth` (docs/auth.md). */
export type GatewayAuthConfig = ReturnType<typeof toAppsFileAuth> & {
  providers: Array<{
    id: string;
    kind: AuthProviderKind;
    issuer?: string;
    clientId: string;
    clientSecret: string;
    scopes?: string[];
  }>;
};

/** Auth settings and providers of an app. Callers check app ownership first; every query is scoped by app id. */
export class AppAuthStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly box: SecretBox,
  ) {}

  async settings(appId: string): Promise<AppAuthSettings> {
    const row = await this.db
      .selectFrom('app_auth')
      .select('settings')
      .where('app_id', '=', appId)
      .executeTakeFirst();
    return row ? readAuthSettings(row.settings) : { ...DEFAULT_APP_AUTH_SETTINGS };
  }

  async saveSettings(appId: string, settings: AppAuthSettings): Promise<void> {
    const json = JSON.stringify(settings);
    await this.db
      .insertInto('app_auth')
      .values({ app_id: appId, settings: json })
      .onConflict((oc) => oc.column('app_id').doUpdateSet({ settings: json, updated_at: new Date() }))
      .execute();
  }

  async providers(appId: string): Promise<AuthProviderInfo[]> {
    const rows = await this.db
      .selectFrom('app_auth_providers')
      .select(PROVIDER_COLUMNS)
      .where('app_id', '=', appId)
      .orderBy('created_at')
      .orderBy('provider_id')
      .execute();
    return rows.map(toInfo);
  }

  /** Refused with `auth_provider_exists` (same id) or `auth_provider_limit` (`maxPerApp` reached). */
  async createProvider(appId: string, input: ProviderCreate, maxPerApp: number): Promise<AuthProviderInfo> {
    const row = await this.db.transaction().execute(async (tx) => {
      // The app row's lock serialises concurrent creations, so the count below holds.
      await tx.selectFrom('apps').select('id').where('id', '=', appId).forUpdate().execute();
      const ids = await tx
        .selectFrom('app_auth_providers')
        .select('provider_id')
        .where('app_id', '=', appId)
        .execute();
      if (ids.some((r) => r.provider_id === input.id)) {
        throw new ApiError(ErrorCode.AuthProviderExists, `the app already has a provider "${input.id}"`, {
          field: 'id',
        });
      }
      if (ids.length >= maxPerApp) {
        throw new ApiError(
          ErrorCode.AuthProviderLimit,
          `an app has at most ${maxPerApp} sign-in providers; delete one first`,
          { extra: { limit: maxPerApp } },
        );
      }
      return tx
        .insertInto('app_auth_providers')
        .values({
          app_id: appId,
          provider_id: input.id,
          kind: input.kind,
          issuer: input.issuer ?? null,
          client_id: input.clientId,
          client_secret_enc: this.box.seal(input.clientSecret, providerContext(appId, input.id)),
          scopes: input.scopes ? JSON.stringify(input.scopes) : null,
        })
        .returning(PROVIDER_COLUMNS)
        .executeTakeFirstOrThrow();
    });
    return toInfo(row);
  }

  async provider(appId: string, providerId: string): Promise<AuthProviderInfo> {
    const row = await this.db
      .selectFrom('app_auth_providers')
      .select(PROVIDER_COLUMNS)
      .where('app_id', '=', appId)
      .where('provider_id', '=', providerId)
      .executeTakeFirst();
    if (!row) throw notFound('provider');
    return toInfo(row);
  }

  async updateProvider(appId: string, providerId: string, patch: ProviderPatch): Promise<AuthProviderInfo> {
    const row = await this.db
      .updateTable('app_auth_providers')
      .set({
        ...(patch.issuer !== undefined ? { issuer: patch.issuer } : {}),
        ...(patch.clientId !== undefined ? { client_id: patch.clientId } : {}),
        ...(patch.clientSecret !== undefined
          ? { client_secret_enc: this.box.seal(patch.clientSecret, providerContext(appId, providerId)) }
          : {}),
        ...(patch.scopes !== undefined ? { scopes: patch.scopes ? JSON.stringify(patch.scopes) : null } : {}),
      })
      .where('app_id', '=', appId)
      .where('provider_id', '=', providerId)
      .returning(PROVIDER_COLUMNS)
      .executeTakeFirst();
    if (!row) throw notFound('provider');
    return toInfo(row);
  }

  async deleteProvider(appId: string, providerId: string): Promise<void> {
    const result = await this.db
      .deleteFrom('app_auth_providers')
      .where('app_id', '=', appId)
      .where('provider_id', '=', providerId)
      .executeTakeFirst();
    if (result.numDeletedRows === 0n) throw notFound('provider');
  }

  /** For the internal API: the app's user pool with decrypted client secrets, or null (none, or disabled). */
  async forGateway(appId: string): Promise<GatewayAuthConfig | null> {
    const settings = await this.settings(appId);
    if (!settings.enabled) return null;
    const rows = await this.db
      .selectFrom('app_auth_providers')
      .select(['provider_id', 'kind', 'issuer', 'client_id', 'client_secret_enc', 'scopes'])
      .where('app_id', '=', appId)
      .orderBy('created_at')
      .orderBy('provider_id')
      .execute();
    return {
      ...toAppsFileAuth(settings),
      providers: rows.map((row) => {
        const scopes = (typeof row.scopes === 'string' ? JSON.parse(row.scopes) : row.scopes) as
          | string[]
          | null;
        return {
          id: row.provider_id,
          kind: row.kind as AuthProviderKind,
          ...(row.issuer ? { issuer: row.issuer } : {}),
          clientId: row.client_id,
          clientSecret: this.box.open(row.client_secret_enc, providerContext(appId, row.provider_id)),
          ...(scopes ? { scopes } : {}),
        };
      }),
    };
  }
}
