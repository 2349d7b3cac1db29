import { type Kysely, sql } from 'kysely';

/** Accounts, sessions, apps, API keys, webhook endpoints and deliveries, usage. Plain PostgreSQL SQL
 * so that PostgreSQL and embedded PGlite run the same statements. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`CREATE TABLE users (
      id text PRIMARY KEY,
      email text NOT NULL UNIQUE,
      password_hash text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`,
    sql`CREATE TABLE sessions (
      id_hash text PRIMARY KEY,
      user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL
    )`,
    sql`CREATE INDEX sessions_user_id ON sessions(user_id)`,
    sql`CREATE TABLE login_failures (
      id bigserial PRIMARY KEY,
      scope text NOT NULL,
      at timestamptz NOT NULL DEFAULT now()
    )`,
    sql`CREATE INDEX login_failures_scope_at ON login_failures(scope, at)`,
    sql`CREATE TABLE apps (
      id text PRIMARY KEY,
      account_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      name text NOT NULL,
      settings jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`,
    sql`CREATE INDEX apps_account_id ON apps(account_id, created_at)`,
    sql`CREATE TABLE api_keys (
      app_id text NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
      key_id text NOT NULL,
      name text NOT NULL,
      secret_enc bytea NOT NULL,
      prefix text NOT NULL,
      permissions jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      last_used_at timestamptz,
      revoked_at timestamptz,
      PRIMARY KEY (app_id, key_id)
    )`,
    sql`CREATE TABLE webhook_endpoints (
      id text PRIMARY KEY,
      app_id text NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
      url text NOT NULL,
      events jsonb NOT NULL,
      secret_enc bytea NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`,
    sql`CREATE INDEX webhook_endpoints_app_id ON webhook_endpoints(app_id)`,
    sql`CREATE TABLE webhook_deliveries (
      id text PRIMARY KEY,
      endpoint_id text NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
      event text NOT NULL,
      status integer,
      ok boolean NOT NULL,
      error text,
      duration_ms integer NOT NULL,
      at timestamptz NOT NULL DEFAULT now()
    )`,
    sql`CREATE INDEX webhook_deliveries_endpoint_at ON webhook_deliveries(endpoint_id, at DESC)`,
    sql`CREATE TABLE usage_minutes (
      app_id text NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
      node_id text NOT NULL,
      minute timestamptz NOT NULL,
      connections bigint NOT NULL DEFAULT 0,
      messages bigint NOT NULL DEFAULT 0,
      concurrent integer NOT NULL DEFAULT 0,
      PRIMARY KEY (app_id, minute, node_id)
    )`,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'usage_minutes',
    'webhook_deliveries',
    'webhook_endpoints',
    'api_keys',
    'apps',
    'login_failures',
    'sessions',
    'users',
  ]) {
    await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(db);
  }
}
