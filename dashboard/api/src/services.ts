import type { UserStore } from '@relaybox/auth/postgres';
import type { Kysely } from 'kysely';
import type { LoginRateLimiter } from './auth/login-rate-limiter.js';
import type { PasswordHasher } from './auth/password-hasher.js';
import type { SessionStore } from './auth/session-store.js';
import type { SignupRateLimiter } from './auth/signup-rate-limiter.js';
import type { ControlPlaneConfig } from './config.js';
import type { Database } from './db/schema.js';
import type { KeyEvents } from './keys/key-events.js';
import type { SecretBox } from './lib/secret-box.js';

/** What route modules get from the composition root. */
export interface Services {
  readonly config: ControlPlaneConfig;
  readonly db: Kysely<Database>;
  readonly box: SecretBox;
  readonly passwords: PasswordHasher;
  readonly sessions: SessionStore;
  readonly loginLimiter: LoginRateLimiter;
  readonly signupLimiter: SignupRateLimiter;
  readonly keyEvents: KeyEvents;
  /** The cloud apps' end users (`AUTH_DATABASE_URL`); undefined: not configured. */
  readonly users: UserStore | undefined;
}
