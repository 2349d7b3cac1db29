import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import pg from 'pg';
import { type SessionPurge, type SessionPurgeOptions, startSessionPurge } from '../session-purge.js';
import {
  type AuthSession,
  type AuthUser,
  REMEMBERED_GENERATIONS,
  type RotateResult,
  type UserPage,
  type UserPatch,
  type UserStore,
} from '../user-store.js';
import { SESSION_KEEP_MS } from './memory-user-store.js';

/**
 * Idempotent: run by `ensureSchema()`. One simple-protocol query, so one implicit transaction: the
 * advisory lock it takes first serialises gateways that start together (concurrent `CREATE ... IF
 * NOT EXISTS` can otherwise fail on the catalog's unique index). Every query below is parameterized.
 */
const SCHEMA = `
SELECT pg_advisory_xact_lock(7261726);
CREATE TABLE IF NOT EXISTS auth_users (
  app_id text NOT NULL,
  id text NOT NULL,
  email text NOT NULL,
  doc jsonb NOT NULL,
  created_at bigint NOT NULL,
  PRIMARY KEY (app_id, id),
  UNIQUE (app_id, email)
);
CREATE INDEX IF NOT EXISTS auth_users_created ON auth_users (app_id, created_at, id);
CREATE TABLE IF NOT EXISTS auth_sessions (
  app_id text NOT NULL,
  id text NOT NULL,
  user_id text NOT NULL,
  refresh_hash text NOT NULL,
  generation integer NOT NULL,
  revoked boolean NOT NULL DEFAULT false,
  created_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  previous text[] NOT NULL DEFAULT '{}',
  PRIMARY KEY (app_id, id)
);
CREATE INDEX IF NOT EXISTS auth_sessions_user ON auth_sessions (app_id, user_id);
CREATE INDEX IF NOT EXISTS auth_sessions_expiry ON auth_sessions (expires_at);
`;

/**
 * The user store in PostgreSQL (the control plane's database), for a deployment that keeps its
 * users there rather than in Redis. Same guarantees as the other stores: the email is unique per app
 * (a constraint), a rotation runs in one transaction holding the session's row lock, so of
 * concurrent refreshes with one token exactly one rotates. Expired sessions stay as rows (refused
 * as `expired`, not listed) until purged a day later (`purge` option: `startSessionPurge`, batches
 * over the `expires_at` index). Cloud-mode gateways use it (`RELAYBOX_AUTH_DATABASE_URL`,
 * docs/auth.md#where-users-live).
 */
export class PostgresUserStore implements UserStore {
  private readonly pool: pg.Pool;
  private readonly purge: SessionPurge | undefined;

  /** `purge`: delete sessions whose storage ended periodically (off unless given). */
  constructor(options: { connectionString: string; max?: number; purge?: SessionPurgeOptions }) {
    this.pool = new pg.Pool({ connectionString: options.connectionString, max: options.max ?? 5 });
    this.pool.on('error', () => {});
    this.purge = options.purge && startSessionPurge(this, options.purge);
  }

  async ensureSchema(): Promise<void> {
    await this.query(SCHEMA);
  }

  async createUser(user: AuthUser): Promise<boolean> {
    const result = await this.query(
      `INSERT INTO auth_users (app_id, id, email, doc, created_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT DO NOTHING`,
      [user.appId, user.id, user.email, JSON.stringify(user), user.createdAt],
    );
    return result.rowCount === 1;
  }

  async getUser(appId: string, userId: string): Promise<AuthUser | undefined> {
    const { rows } = await this.query('SELECT doc FROM auth_users WHERE app_id = $1 AND id = $2', [
      appId,
      userId,
    ]);
    return rows[0]?.doc as AuthUser | undefined;
  }

  async findUserByEmail(appId: string, email: string): Promise<AuthUser | undefined> {
    const { rows } = await this.query('SELECT doc FROM auth_users WHERE app_id = $1 AND email = $2', [
      appId,
      email,
    ]);
    return rows[0]?.doc as AuthUser | undefined;
  }

  async updateUser(
    appId: string,
    userId: string,
    patch: UserPatch,
    now: number,
  ): Promise<AuthUser | undefined> {
    const { rows } = await this.query(
      `UPDATE auth_users SET doc = doc || $3::jsonb WHERE app_id = $1 AND id = $2 RETURNING doc`,
      [appId, userId, JSON.stringify({ ...patch, updatedAt: now })],
    );
    return rows[0]?.doc as AuthUser | undefined;
  }

  /** One conditional UPDATE: the row lock makes a concurrent one re-check `?` on the new row and miss. */
  async consumeRecoveryCode(appId: string, userId: string, codeHash: string, now: number): Promise<boolean> {
    const result = await this.query(
      `UPDATE auth_users
       SET doc = jsonb_set(doc, '{mfa,recoveryCodeHashes}', (doc #> '{mfa,recoveryCodeHashes}') - $3::text)
         || jsonb_build_object('updatedAt', $4::bigint)
       WHERE app_id = $1 AND id = $2 AND (doc #> '{mfa,recoveryCodeHashes}') ? $3::text`,
      [appId, userId, codeHash, now],
    );
    return result.rowCount === 1;
  }

  async acceptTotpStep(appId: string, userId: string, step: number, now: number): Promise<boolean> {
    const result = await this.query(
      `UPDATE auth_users
       SET doc = jsonb_set(doc, '{mfa,totpLastStep}', to_jsonb($3::bigint)) || jsonb_build_object('updatedAt', $4::bigint)
       WHERE app_id = $1 AND id = $2 AND COALESCE((doc #>> '{mfa,totpLastStep}')::bigint, -1) < $3::bigint`,
      [appId, userId, step, now],
    );
    return result.rowCount === 1;
  }

  async listUsers(appId: string, options: { limit: number; cursor?: string | undefined }): Promise<UserPage> {
    const offset = options.cursor === undefined ? 0 : Number(options.cursor);
    const { rows } = await this.query(
      'SELECT doc FROM auth_users WHERE app_id = $1 ORDER BY created_at, id LIMIT $2 OFFSET $3',
      [appId, options.limit + 1, offset],
    );
    const items = rows.slice(0, options.limit).map((r) => r.doc as AuthUser);
    return { items, next: rows.length > options.limit ? String(offset + options.limit) : undefined };
  }

  async createSession(session: AuthSession): Promise<void> {
    await this.query(
      `INSERT INTO auth_sessions (app_id, id, user_id, refresh_hash, generation, revoked, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        session.appId,
        session.id,
        session.userId,
        session.refreshHash,
        session.generation,
        session.revoked,
        session.createdAt,
        session.expiresAt,
      ],
    );
  }

  async getSession(appId: string, sessionId: string): Promise<AuthSession | undefined> {
    const { rows } = await this.query('SELECT * FROM auth_sessions WHERE app_id = $1 AND id = $2', [
      appId,
      sessionId,
    ]);
    return rows[0] && toSession(rows[0]);
  }

  async listSessions(appId: string, userId: string, now: number): Promise<AuthSession[]> {
    const { rows } = await this.query(
      'SELECT * FROM auth_sessions WHERE app_id = $1 AND user_id = $2 AND expires_at > $3 ORDER BY created_at, id',
      [appId, userId, now],
    );
    return rows.map(toSession);
  }

  async rotateSession(input: Parameters<UserStore['rotateSession']>[0]): Promise<RotateResult> {
    const client = await this.pool.connect().catch(unavailable);
    try {
      await client.query('BEGIN');
      const { rows } = await client.query(
        'SELECT * FROM auth_sessions WHERE app_id = $1 AND id = $2 FOR UPDATE',
        [input.appId, input.sessionId],
      );
      const result = await this.rotateLocked(client, rows[0], input);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      return unavailable(error);
    } finally {
      client.release();
    }
  }

  private async rotateLocked(
    client: pg.PoolClient,
    row: Record<string, unknown> | undefined,
    input: Parameters<UserStore['rotateSession']>[0],
  ): Promise<RotateResult> {
    if (!row) return { status: 'unknown' };
    const session = toSession(row);
    if (session.revoked) return { status: 'revoked' };
    if (session.expiresAt <= input.now) return { status: 'expired' };
    const previous = row.previous as string[];
    const key = [input.appId, input.sessionId];
    if (input.generation === session.generation && input.presentedHash === session.refreshHash) {
      const kept = [...previous, session.refreshHash].slice(-REMEMBERED_GENERATIONS);
      await client.query(
        `UPDATE auth_sessions SET refresh_hash = $3, generation = generation + 1, expires_at = $4, previous = $5
         WHERE app_id = $1 AND id = $2`,
        [...key, input.nextHash, input.nextExpiresAt, kept],
      );
      const next = { ...session, refreshHash: input.nextHash, generation: session.generation + 1 };
      return { status: 'rotated', session: { ...next, expiresAt: input.nextExpiresAt } };
    }
    if (input.generation < session.generation && previous.includes(input.presentedHash)) {
      await client.query('UPDATE auth_sessions SET revoked = true WHERE app_id = $1 AND id = $2', key);
      return { status: 'reused', session: { ...session, revoked: true } };
    }
    return { status: 'unknown' };
  }

  async revokeSession(appId: string, sessionId: string): Promise<boolean> {
    const result = await this.query(
      'UPDATE auth_sessions SET revoked = true WHERE app_id = $1 AND id = $2 AND NOT revoked',
      [appId, sessionId],
    );
    return result.rowCount === 1;
  }

  async revokeUserSessions(appId: string, userId: string): Promise<string[]> {
    const { rows } = await this.query(
      'UPDATE auth_sessions SET revoked = true WHERE app_id = $1 AND user_id = $2 RETURNING id',
      [appId, userId],
    );
    return rows.map((r) => r.id as string);
  }

  async purgeExpiredSessions(now: number, limit: number): Promise<number> {
    const result = await this.query(
      `DELETE FROM auth_sessions s USING (
         SELECT app_id, id FROM auth_sessions WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2
       ) gone
       WHERE s.app_id = gone.app_id AND s.id = gone.id`,
      [now - SESSION_KEEP_MS, limit],
    );
    return result.rowCount ?? 0;
  }

  async close(): Promise<void> {
    await this.purge?.stop();
    await this.pool.end();
  }

  private query(text: string, values: unknown[] = []): Promise<pg.QueryResult> {
    return this.pool.query(text, values).catch(unavailable);
  }
}

function toSession(row: Record<string, unknown>): AuthSession {
  return {
    id: row.id as string,
    appId: row.app_id as string,
    userId: row.user_id as string,
    refreshHash: row.refresh_hash as string,
    generation: Number(row.generation),
    revoked: row.revoked === true,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
  };
}

function unavailable(error: unknown): never {
  if (error instanceof RelayBoxError) throw error;
  throw new RelayBoxError(ErrorCode.StoreUnavailable, `user store unavailable: ${String(error)}`, {
    cause: error,
  });
}
