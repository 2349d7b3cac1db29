import type { ColumnType, Generated } from 'kysely';

/** Kysely table types; the SQL is in `migrations/`. */
export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  login_failures: LoginFailuresTable;
  signup_attempts: SignupAttemptsTable;
  login_known_addresses: LoginKnownAddressesTable;
  apps: AppsTable;
  api_keys: ApiKeysTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_dead_letters: WebhookDeadLettersTable;
  webhook_requeues: WebhookRequeuesTable;
  usage_minutes: UsageMinutesTable;
  app_auth: AppAuthTable;
  app_auth_providers: AppAuthProvidersTable;
}

type CreatedAt = ColumnType<Date, Date | undefined, never>;

export interface UsersTable {
  id: string;
  email: string;
  password_hash: string;
  created_at: CreatedAt;
}

export interface SessionsTable {
  /** sha256 of the cookie value: a database read does not yield a usable session. */
  id_hash: string;
  user_id: string;
  created_at: CreatedAt;
  expires_at: Date;
}

export interface LoginFailuresTable {
  id: Generated<string>;
  /** `email:<normalised email>`, `ip:<address>` or `pair:<address> <normalised email>`. */
  scope: string;
  at: ColumnType<Date, Date | undefined, never>;
}

/** An address an email signed in from (last success in `at`); exempt from the per-email backoff. */
export interface LoginKnownAddressesTable {
  email: string;
  ip: string;
  at: ColumnType<Date, Date | undefined, Date>;
}

/** One row per signup attempt (successful or not), kept for the limiter's 1-hour window. */
export interface SignupAttemptsTable {
  id: Generated<string>;
  ip: string;
  at: ColumnType<Date, Date | undefined, never>;
}

export interface AppsTable {
  id: string;
  account_id: string;
  name: string;
  settings: ColumnType<AppSettingsJson, string, string>;
  created_at: CreatedAt;
}

export type AppSettingsJson = Record<string, unknown>;

export interface ApiKeysTable {
  app_id: string;
  key_id: string;
  name: string;
  /** AES-256-GCM sealed secret (see secret-box.ts). */
  secret_enc: Buffer;
  prefix: string;
  permissions: ColumnType<Record<string, string[]>, string, string>;
  created_at: CreatedAt;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export interface WebhookEndpointsTable {
  id: string;
  app_id: string;
  url: string;
  events: ColumnType<string[], string, string>;
  secret_enc: Buffer;
  created_at: CreatedAt;
}

export interface WebhookDeliveriesTable {
  id: string;
  /** Insertion order (0002_delivery_order). */
  seq: Generated<string>;
  endpoint_id: string;
  event: string;
  status: number | null;
  ok: boolean;
  error: string | null;
  duration_ms: number;
  at: ColumnType<Date, Date | undefined, never>;
  /** `test`: "send test event"; `delivery`: a real try reported by a webhook worker (0005). */
  kind: ColumnType<'test' | 'delivery', 'test' | 'delivery' | undefined, never>;
  event_id: string | null;
  attempt: number | null;
}

/** A dead letter as a gateway's webhook worker reported it (0007_dead_letters). */
export interface WebhookDeadLettersTable {
  seq: Generated<string>;
  app_id: string;
  endpoint_id: string;
  event_id: string;
  type: string;
  attempts: number;
  reason: string;
  last_status: number | null;
  last_error: string | null;
  failed_at: Date;
}

/** A requeue handed to the gateways, until one answers or it times out (0007_dead_letters). */
export interface WebhookRequeuesTable {
  id: string;
  app_id: string;
  endpoint_id: string;
  event_id: string;
  /** `requeued` once a gateway queued it again; null while none did. */
  outcome: string | null;
  job_id: string | null;
  /** Gateways that answered they had no such letter. */
  not_found: Generated<number>;
  /** The last failure a gateway answered (the letter is back on its list). */
  failure: string | null;
  created_at: CreatedAt;
}

export interface UsageMinutesTable {
  app_id: string;
  node_id: string;
  minute: Date;
  connections: ColumnType<string, number, number>;
  messages: ColumnType<string, number, number>;
  concurrent: ColumnType<number, number, number>;
}

/** An app's user-pool settings (0006_app_auth); no row: the app has no user pool. */
export interface AppAuthTable {
  app_id: string;
  settings: ColumnType<Record<string, unknown>, string, string>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

/** An OAuth / OIDC provider of an app's user pool; the client secret sealed (secret-box.ts). */
export interface AppAuthProvidersTable {
  app_id: string;
  provider_id: string;
  kind: string;
  issuer: string | null;
  client_id: string;
  client_secret_enc: Buffer;
  scopes: ColumnType<string[] | null, string | null, string | null>;
  created_at: CreatedAt;
}
