import type { RedisClient } from '@relaybox/adapters';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import type { Redis } from 'ioredis';
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
import { openAuthRedis, type RedisUserStoreOptions } from './auth-redis.js';
import { SESSION_KEEP_MS, withoutRecoveryCode, withTotpStep } from './memory-user-store.js';

export type { RedisUserStoreOptions };

/** Keys a purge's SCAN call asks for at once. */
const PURGE_SCAN_COUNT = 200;

type Scripted = RedisClient & {
  relayboxUserCreate(
    k1: string,
    k2: string,
    k3: string,
    id: string,
    json: string,
    at: number,
  ): Promise<number>;
  relayboxSessionRotate(key: string, ...argv: Array<string | number>): Promise<number[]>;
  relayboxSessionRevoke(key: string): Promise<number>;
  relayboxUserReplace(key: string, read: string, next: string): Promise<number>;
};

const SCRIPTS = {
  relayboxUserCreate: { file: 'user-create.lua', keys: 3 },
  relayboxSessionRotate: { file: 'session-rotate.lua', keys: 1 },
  relayboxSessionRevoke: { file: 'session-revoke.lua', keys: 1 },
  relayboxUserReplace: { file: 'user-replace.lua', keys: 1 },
};

/**
 * Rounds of a compare-and-set change of one user before giving up (`store_unavailable`, retryable).
 * Every round that loses was beaten by another writer of that user, so it takes that many writers
 * changing one user at the same moment to run out.
 */
export const USER_CAS_ROUNDS = 32;

/**
 * The user store of the native and docker engines and of cloud gateways: the Redis they already
 * share. Keys are hash-tagged per app (`<prefix>{auth:<appId>}:...`), so one app's keys live in one
 * Redis Cluster slot and every script touches one slot:
 * - `user:<id>` JSON, `email:<email>` → id, `users` sorted set (creation order) for listing;
 * - `session:<id>` hash (expires a day after the session does), `user-sessions:<userId>` set of ids
 *   (pruned of expired sessions when listed).
 * Costs: every call O(1) but `listUsers` O(log n + page) and `listSessions`/`revokeUserSessions`
 * O(sessions of the user).
 */
export class RedisUserStore implements UserStore {
  private readonly redis: Scripted;
  private readonly ownsClient: boolean;
  private readonly prefix: string;
  private readonly purge: SessionPurge | undefined;
  /** Where the purge's SCAN goes on: the node (a cluster's masters, in order) and its cursor. */
  private purgeCursor = { node: 0, cursor: '0' };

  /** `purge`: prune sessions whose storage ended from the users' session sets periodically (off unless given). */
  constructor(options: RedisUserStoreOptions & { purge?: SessionPurgeOptions } = {}) {
    this.prefix = options.prefix ?? 'rb:';
    const { redis, ownsClient } = openAuthRedis(options, SCRIPTS);
    this.ownsClient = ownsClient;
    this.redis = redis as Scripted;
    this.purge = options.purge && startSessionPurge(this, options.purge);
  }

  private k(appId: string, rest: string): string {
    return `${this.prefix}{auth:${appId}}:${rest}`;
  }

  createUser(user: AuthUser): Promise<boolean> {
    const { appId } = user;
    return this.redis
      .relayboxUserCreate(
        this.k(appId, `email:${user.email}`),
        this.k(appId, `user:${user.id}`),
        this.k(appId, 'users'),
        user.id,
        JSON.stringify(user),
        user.createdAt,
      )
      .then((created) => created === 1, unavailable);
  }

  async getUser(appId: string, userId: string): Promise<AuthUser | undefined> {
    const json = await this.redis.get(this.k(appId, `user:${userId}`)).catch(unavailable);
    return json === null ? undefined : (JSON.parse(json) as AuthUser);
  }

  async findUserByEmail(appId: string, email: string): Promise<AuthUser | undefined> {
    const id = await this.redis.get(this.k(appId, `email:${email}`)).catch(unavailable);
    return id === null ? undefined : this.getUser(appId, id);
  }

  async updateUser(appId: string, userId: string, patch: UserPatch, now: number) {
    const user = await this.getUser(appId, userId);
    if (!user) return undefined;
    const next: AuthUser = { ...user, ...patch, id: user.id, appId, email: user.email, updatedAt: now };
    const ok = await this.redis
      .set(this.k(appId, `user:${userId}`), JSON.stringify(next), 'XX')
      .catch(unavailable);
    return ok === null ? undefined : next;
  }

  consumeRecoveryCode(appId: string, userId: string, codeHash: string, now: number): Promise<boolean> {
    return this.changeUser(appId, userId, (user) => withoutRecoveryCode(user, codeHash, now));
  }

  acceptTotpStep(appId: string, userId: string, step: number, now: number): Promise<boolean> {
    return this.changeUser(appId, userId, (user) => withTotpStep(user, step, now));
  }

  /**
   * Applies `change` to the stored user with a compare-and-set (`user-replace.lua`), again on the
   * fresh record when another writer came first. `change` answers undefined to leave it as is.
   * (A Lua script cannot rewrite the JSON itself: Redis's cjson turns an empty array into `{}`.)
   */
  private async changeUser(
    appId: string,
    userId: string,
    change: (user: AuthUser) => AuthUser | undefined,
  ): Promise<boolean> {
    const key = this.k(appId, `user:${userId}`);
    for (let round = 0; round < USER_CAS_ROUNDS; round++) {
      const read = await this.redis.get(key).catch(unavailable);
      const next = read === null ? undefined : change(JSON.parse(read) as AuthUser);
      if (read === null || next === undefined) return false;
      const replaced = await this.redis
        .relayboxUserReplace(key, read, JSON.stringify(next))
        .catch(unavailable);
      if (replaced !== 0) return replaced === 1;
    }
    throw new RelayBoxError(
      ErrorCode.StoreUnavailable,
      `user ${userId} is changed by too many writers at once`,
    );
  }

  async listUsers(appId: string, options: { limit: number; cursor?: string | undefined }): Promise<UserPage> {
    const start = options.cursor === undefined ? 0 : Number(options.cursor);
    const ids = await this.redis
      .zrange(this.k(appId, 'users'), start, start + options.limit)
      .catch(unavailable);
    const page = ids.slice(0, options.limit);
    const users = await Promise.all(page.map((id) => this.getUser(appId, id)));
    return {
      items: users.filter((u): u is AuthUser => u !== undefined),
      next: ids.length > options.limit ? String(start + options.limit) : undefined,
    };
  }

  async createSession(session: AuthSession): Promise<void> {
    const key = this.k(session.appId, `session:${session.id}`);
    await this.redis
      .multi()
      .hset(key, {
        userId: session.userId,
        hash: session.refreshHash,
        gen: session.generation,
        revoked: session.revoked ? '1' : '0',
        createdAt: session.createdAt,
        expiresAt: session.expiresAt,
        prev: '',
      })
      .pexpireat(key, session.expiresAt + SESSION_KEEP_MS)
      .sadd(this.k(session.appId, `user-sessions:${session.userId}`), session.id)
      .exec()
      .then(failedInTransaction, unavailable);
  }

  async getSession(appId: string, sessionId: string): Promise<AuthSession | undefined> {
    const hash = await this.redis.hgetall(this.k(appId, `session:${sessionId}`)).catch(unavailable);
    return toSession(appId, sessionId, hash);
  }

  async listSessions(appId: string, userId: string, now: number): Promise<AuthSession[]> {
    const setKey = this.k(appId, `user-sessions:${userId}`);
    const ids = await this.redis.smembers(setKey).catch(unavailable);
    const sessions = await Promise.all(ids.map((id) => this.getSession(appId, id)));
    const gone = ids.filter((_, i) => sessions[i] === undefined);
    if (gone.length > 0) await this.redis.srem(setKey, ...gone).catch(unavailable);
    return sessions
      .filter((s): s is AuthSession => s !== undefined && s.expiresAt > now)
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  async rotateSession(input: Parameters<UserStore['rotateSession']>[0]): Promise<RotateResult> {
    const key = this.k(input.appId, `session:${input.sessionId}`);
    const [status] = await this.redis
      .relayboxSessionRotate(
        key,
        input.generation,
        input.presentedHash,
        input.nextHash,
        input.now,
        input.nextExpiresAt,
        SESSION_KEEP_MS,
        REMEMBERED_GENERATIONS,
      )
      .catch(unavailable);
    if (status === -1) return { status: 'unknown' };
    if (status === -2) return { status: 'revoked' };
    if (status === -3) return { status: 'expired' };
    const session = await this.getSession(input.appId, input.sessionId);
    if (!session) return { status: 'unknown' };
    return status === 1 ? { status: 'rotated', session } : { status: 'reused', session };
  }

  async revokeSession(appId: string, sessionId: string): Promise<boolean> {
    const revoked = await this.redis
      .relayboxSessionRevoke(this.k(appId, `session:${sessionId}`))
      .catch(unavailable);
    return revoked === 1;
  }

  async revokeUserSessions(appId: string, userId: string): Promise<string[]> {
    const ids = await this.redis.smembers(this.k(appId, `user-sessions:${userId}`)).catch(unavailable);
    await Promise.all(ids.map((id) => this.revokeSession(appId, id)));
    return ids;
  }

  /**
   * A session's hash expires by itself (a day past `expiresAt`); what stays is its id in the user's
   * `user-sessions` set. This walks those sets with SCAN (the cursor carries on at the next call, so
   * a call's work is bounded by `limit` and one SCAN page) and removes the ids of sessions whose
   * storage ended, deleting a hash that outlived `now`'s view of it. Every node of a cluster in turn.
   */
  async purgeExpiredSessions(now: number, limit: number): Promise<number> {
    const nodes: Redis[] = 'nodes' in this.redis ? this.redis.nodes('master') : [this.redis];
    let purged = 0;
    for (let pages = 0; purged < limit && pages < nodes.length * 1000; pages++) {
      const { node, cursor } = this.purgeCursor;
      const scanner = nodes[node % nodes.length] as Redis;
      const [next, keys] = await scanner
        .scan(
          cursor,
          'MATCH',
          `${globEscape(this.prefix)}{auth:*}:user-sessions:*`,
          'COUNT',
          PURGE_SCAN_COUNT,
        )
        .catch(unavailable);
      for (const setKey of keys) {
        if (purged >= limit) break;
        purged += await this.pruneSessionSet(setKey, now, limit - purged);
      }
      const wrapped = next === '0';
      this.purgeCursor = wrapped ? { node: (node + 1) % nodes.length, cursor: '0' } : { node, cursor: next };
      if (wrapped && this.purgeCursor.node === 0) break;
    }
    return purged;
  }

  /** Removes up to `limit` ended sessions of one `user-sessions` set; returns how many. */
  private async pruneSessionSet(setKey: string, now: number, limit: number): Promise<number> {
    const base = setKey.slice(0, setKey.indexOf('}:user-sessions:') + 2);
    const ids = await this.redis.smembers(setKey).catch(unavailable);
    const expiries = await Promise.all(
      ids.map((id) => this.redis.hget(`${base}session:${id}`, 'expiresAt').catch(unavailable)),
    );
    const ended = ids.filter((_, i) => {
      const expiresAt = expiries[i];
      return expiresAt == null || Number(expiresAt) + SESSION_KEEP_MS <= now;
    });
    const batch = ended.slice(0, limit);
    if (batch.length === 0) return 0;
    await this.redis
      .multi()
      .del(...batch.map((id) => `${base}session:${id}`))
      .srem(setKey, ...batch)
      .exec()
      .then(failedInTransaction, unavailable);
    return batch.length;
  }

  async close(): Promise<void> {
    await this.purge?.stop();
    if (!this.ownsClient) return;
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

function toSession(appId: string, id: string, hash: Record<string, string>): AuthSession | undefined {
  if (hash.userId === undefined) return undefined;
  return {
    id,
    appId,
    userId: hash.userId,
    refreshHash: hash.hash ?? '',
    generation: Number(hash.gen),
    revoked: hash.revoked === '1',
    createdAt: Number(hash.createdAt),
    expiresAt: Number(hash.expiresAt),
  };
}

/** `text` matched literally by a SCAN pattern. */
function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

function failedInTransaction(results: Array<[Error | null, unknown]> | null): void {
  const failed = results?.find(([error]) => error !== null)?.[0];
  if (failed) unavailable(failed);
}

function unavailable(error: unknown): never {
  if (error instanceof RelayBoxError) throw error;
  throw new RelayBoxError(ErrorCode.StoreUnavailable, `user store unavailable: ${String(error)}`, {
    cause: error,
  });
}
