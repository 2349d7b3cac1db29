/**
 * The dashboard API's public contract: the JSON shapes its routes answer with. The dashboard web
 * app imports these types and nothing else of the API (a Biome rule in biome.json enforces it), so
 * the API's stores, database code and secrets handling never reach the browser bundle.
 */

export type { AdminUser } from '@relaybox/auth/postgres';
export type {
  AppAuthSettings,
  AuthProviderInfo,
  AuthProviderKind,
  MfaPolicy,
  ProviderCreate,
  ProviderPatch,
} from './app-auth/app-auth-settings.js';
export type { AppSettings } from './apps/app-settings.js';
export type { App } from './apps/app-store.js';
export type { ApiKeyInfo, IssuedKey } from './keys/key-store.js';
export type { UsageDay } from './usage/usage-store.js';
export type { DeadLetterInfo, DeadLetterPage, RequeueResult } from './webhooks/dead-letter-store.js';
export type { Delivery, WebhookInfo } from './webhooks/webhook-store.js';
