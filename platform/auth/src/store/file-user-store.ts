import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import { type SessionPurge, type SessionPurgeOptions, startSessionPurge } from '../session-purge.js';
import type { AuthSession, AuthUser, RotateResult, UserPatch, UserStore } from '../user-store.js';
import { MemoryUserStore, type UserStoreState } from './memory-user-store.js';

/** The file's format; a file of another version is refused, never guessed at. */
const FORMAT = 'relaybox-auth-users';
const VERSION = 1;

/**
 * The user store of the embedded engine: a `MemoryUserStore` kept in one JSON file of the data dir
 * (`<dataDir>/auth-users.json`, mode 0600: it holds password hashes and session digests), so users
 * and their sessions survive a restart like the auth secret beside it does.
 *
 * Every change is written before its call resolves: the whole state goes to `<file>.tmp`, is synced
 * and renamed over the file, so a crash leaves the previous or the new state, never half of one.
 * Changes that arrive while a write runs share the next write. Costs: a write is O(users +
 * sessions): meant for a local stack's pool (thousands of users), not for production, which uses
 * Redis. One process per file: the embedded engine is one process, and nothing else writes it.
 * A write that fails rejects its calls with `store_unavailable` (the change stays in memory and goes
 * out with the next successful write).
 */
export class FileUserStore extends MemoryUserStore {
  private writing: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;
  private purge: SessionPurge | undefined;

  private constructor(
    private readonly file: string,
    clock: () => number,
  ) {
    super(clock);
  }

  /**
   * The store of `file`, created on the first change when it does not exist. `purge`: drop sessions
   * whose storage ended periodically (off unless given; until then a session stays in the file).
   */
  static async open(
    file: string,
    options: { clock?: () => number; purge?: SessionPurgeOptions } = {},
  ): Promise<FileUserStore> {
    const store = new FileUserStore(file, options.clock ?? Date.now);
    const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (text !== undefined) store.importState(parseState(file, text));
    if (options.purge) store.purge = startSessionPurge(store, options.purge);
    return store;
  }

  override async createUser(user: AuthUser): Promise<boolean> {
    return this.saved(await super.createUser(user));
  }

  override async updateUser(appId: string, userId: string, patch: UserPatch, now: number) {
    return this.saved(await super.updateUser(appId, userId, patch, now));
  }

  override async consumeRecoveryCode(appId: string, userId: string, codeHash: string, now: number) {
    return this.saved(await super.consumeRecoveryCode(appId, userId, codeHash, now));
  }

  override async acceptTotpStep(appId: string, userId: string, step: number, now: number) {
    return this.saved(await super.acceptTotpStep(appId, userId, step, now));
  }

  override async createSession(session: AuthSession): Promise<void> {
    await super.createSession(session);
    await this.save();
  }

  override async rotateSession(input: Parameters<UserStore['rotateSession']>[0]): Promise<RotateResult> {
    const result = await super.rotateSession(input);
    if (result.status === 'rotated' || result.status === 'reused') await this.save();
    return result;
  }

  override async revokeSession(appId: string, sessionId: string): Promise<boolean> {
    return this.saved(await super.revokeSession(appId, sessionId));
  }

  override async revokeUserSessions(appId: string, userId: string): Promise<string[]> {
    const ids = await super.revokeUserSessions(appId, userId);
    if (ids.length > 0) await this.save();
    return ids;
  }

  override async purgeExpiredSessions(now: number, limit: number): Promise<number> {
    return this.saved(await super.purgeExpiredSessions(now, limit));
  }

  /** Waits for the writes under way. */
  override async close(): Promise<void> {
    await this.purge?.stop();
    await (this.queued ?? this.writing).catch(() => {});
  }

  /** Saves when the call changed something (a truthy result), then answers the result. */
  private async saved<T>(result: T): Promise<T> {
    if (result) await this.save();
    return result;
  }

  /** Resolves once a write that started after this call (so holding its change) is done. */
  private save(): Promise<void> {
    this.queued ??= this.writing
      .catch(() => {})
      .then(() => {
        this.queued = undefined;
        this.writing = this.write(this.exportState());
        return this.writing;
      });
    return this.queued;
  }

  private async write(state: UserStoreState): Promise<void> {
    const temp = `${this.file}.tmp`;
    try {
      await mkdir(dirname(this.file), { recursive: true });
      const handle = await open(temp, 'w', 0o600);
      try {
        await handle.writeFile(JSON.stringify({ format: FORMAT, version: VERSION, ...state }));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, this.file);
    } catch (error) {
      throw new RelayBoxError(
        ErrorCode.StoreUnavailable,
        `user store unavailable: cannot write ${this.file}: ${String(error)}`,
        { cause: error },
      );
    }
  }
}

function parseState(file: string, text: string): UserStoreState {
  let doc: Partial<UserStoreState> & { format?: unknown; version?: unknown };
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not valid JSON (${String(error)}): move it away to start with no users`);
  }
  if (
    doc?.format !== FORMAT ||
    doc.version !== VERSION ||
    !Array.isArray(doc.users) ||
    !Array.isArray(doc.sessions)
  )
    throw new Error(
      `${file} is not a RelayBox user store of version ${VERSION}: move it away to start with no users`,
    );
  return { users: doc.users, sessions: doc.sessions };
}
