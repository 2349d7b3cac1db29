import { type Kysely, sql } from 'kysely';

/**
 * Per-app auth settings (the user pool of an app's end users, docs/auth.md): one row of settings per
 * app that has any, and its OAuth / OIDC providers, whose client secrets are sealed like key secrets.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE app_auth (
    app_id text PRIMARY KEY REFERENCES apps(id) ON DELETE CASCADE,
    settings jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
  )`.execute(db);
  await sql`CREATE TABLE app_auth_providers (
    app_id text NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    provider_id text NOT NULL,
    kind text NOT NULL,
    issuer text,
    client_id text NOT NULL,
    client_secret_enc bytea NOT NULL,
    scopes jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (app_id, provider_id)
  )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE app_auth_providers`.execute(db);
  await sql`DROP TABLE app_auth`.execute(db);
}
