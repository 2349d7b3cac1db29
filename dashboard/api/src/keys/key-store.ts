import type { PermissionMap } from '@relaybox/protocol';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import { notFound } from '../lib/api-error.js';
import { randomId, randomSecret } from '../lib/ids.js';
import type { SecretBox } from '../lib/secret-box.js';

export interface ApiKeyInfo {
  id: string;
  name: string;
  prefix: string;
  permissions: PermissionMap;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface IssuedKey {
  key: ApiKeyInfo;
  /** `<appId>.<keyId>:<secret>`, returned once. */
  apiKey: string;
}

const INFO_COLUMNS = [
  'key_id',
  'name',
  'prefix',
  'permissions',
  'created_at',
  'last_used_at',
  'revoked_at',
] as const;

interface InfoRow {
  key_id: string;
  name: string;
  prefix: string;
  permissions: unknown;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
const toInfo = (r: InfoRow): ApiKeyInfo => ({
  id: r.key_id,
  name: r.name,
  prefix: r.prefix,
  permissions: (typeof r.permissions === 'string'
    ? JSON.parse(r.permissions)
    : r.permissions) as PermissionMap,
  createdAt: new Date(r.created_at).toISOString(),
  lastUsedAt: iso(r.last_used_at),
  revokedAt: iso(r.revoked_at),
});

/** AAD of a sealed key secret: the sealed value only opens on its own row. */
const keyContext = (appId: string, keyId: string) => `api-key:${appId}.${keyId}`;
const prefixOf = (secret: string) => `${secret.slice(0, 8)}…`;

/** API keys of an app. Callers check app ownership first; every query is scoped by app id. */
export class KeyStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly box: SecretBox,
  ) {}

  async list(appId: string): Promise<ApiKeyInfo[]> {
    const rows = await this.db
      .selectFrom('api_keys')
      .select(INFO_COLUMNS)
      .where('app_id', '=', appId)
      .orderBy('created_at')
      .execute();
    return rows.map(toInfo);
  }

  async create(appId: string, name: string, permissions: PermissionMap): Promise<IssuedKey> {
    const keyId = randomId(12);
    const secret = randomSecret();
    const row = await this.db
      .insertInto('api_keys')
      .values({
        app_id: appId,
        key_id: keyId,
        name,
        secret_enc: this.box.seal(secret, keyContext(appId, keyId)),
        prefix: prefixOf(secret),
        permissions: JSON.stringify(permissions),
      })
      .returning(INFO_COLUMNS)
      .executeTakeFirstOrThrow();
    return { key: toInfo(row), apiKey: `${appId}.${keyId}:${secret}` };
  }

  /** Idempotent: revoking a revoked key returns it unchanged. */
  async revoke(appId: string, keyId: string): Promise<ApiKeyInfo> {
    const row = await this.db
      .updateTable('api_keys')
      .set({ revoked_at: sql<Date>`coalesce(revoked_at, now())` })
      .where('app_id', '=', appId)
      .where('key_id', '=', keyId)
      .returning(INFO_COLUMNS)
      .executeTakeFirst();
    if (!row) throw notFound('key');
    return toInfo(row);
  }

  /** A new secret for an active key; the old secret stops resolving at once. */
  async rotate(appId: string, keyId: string): Promise<IssuedKey> {
    const secret = randomSecret();
    const row = await this.db
      .updateTable('api_keys')
      .set({ secret_enc: this.box.seal(secret, keyContext(appId, keyId)), prefix: prefixOf(secret) })
      .where('app_id', '=', appId)
      .where('key_id', '=', keyId)
      .where('revoked_at', 'is', null)
      .returning(INFO_COLUMNS)
      .executeTakeFirst();
    if (!row) throw notFound('active key');
    return { key: toInfo(row), apiKey: `${appId}.${keyId}:${secret}` };
  }

  /** Internal lookup by the (appId, keyId) pair: the decrypted secret of an active key, or null. */
  async resolve(
    appId: string,
    keyId: string,
  ): Promise<{ secret: string; permissions: PermissionMap } | null> {
    const row = await this.db
      .selectFrom('api_keys')
      .select(['secret_enc', 'permissions'])
      .where('app_id', '=', appId)
      .where('key_id', '=', keyId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (!row) return null;
    const permissions = (
      typeof row.permissions === 'string' ? JSON.parse(row.permissions) : row.permissions
    ) as PermissionMap;
    return { secret: this.box.open(row.secret_enc, keyContext(appId, keyId)), permissions };
  }

  /** Sets last_used_at at most once a minute per key (the condition makes a no-op otherwise). */
  async touch(appId: string, keyId: string): Promise<void> {
    await this.db
      .updateTable('api_keys')
      .set({ last_used_at: sql<Date>`now()` })
      .where('app_id', '=', appId)
      .where('key_id', '=', keyId)
      .where((eb) =>
        eb.or([
          eb('last_used_at', 'is', null),
          eb('last_used_at', '<', sql<Date>`now() - interval '1 minute'`),
        ]),
      )
      .execute();
  }
}
