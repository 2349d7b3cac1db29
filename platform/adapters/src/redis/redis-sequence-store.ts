import { readFileSync } from 'node:fs';
import type { SequenceStore } from '@relaybox/core';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import { Redis, ReplyError } from 'ioredis';
import { roomKeys } from './room-keys.js';

const ROOM_SEQ_LUA = readFileSync(new URL('./lua/room-seq.lua', import.meta.url), 'utf8');
const ROOM_SEQ_COMMAND = 'relayboxRoomSeq';

interface RoomSeqCommand {
  relayboxRoomSeq(seqKey: string): Promise<number>;
}

export interface RedisSequenceStoreOptions {
  /** A client to share; `close()` leaves it open and its retry options are the caller's. */
  client?: Redis;
  /** Used when no client is given. Default 'redis://127.0.0.1:6379'. */
  url?: string;
  /** Key prefix. Default 'rb:'. */
  prefix?: string;
  /** Bound on one call when the store creates its client, in ms. Default 5000. */
  commandTimeoutMs?: number;
}

/**
 * `SequenceStore` on Redis: one counter per room, advanced by the `room-seq.lua` script.
 *
 * Its own client never re-sends a command that may have reached Redis (maxRetriesPerRequest 0, no
 * automatic resend): a retried INCR would skip a seq. Calls made while the connection is down wait
 * for the next reconnect attempt only, then reject with `store_unavailable`. A call that rejects
 * after its command was sent may still have taken a seq; only an idempotent caller (the history
 * append, with the message id) can tell.
 */
export class RedisSequenceStore implements SequenceStore {
  private readonly redis: Redis & RoomSeqCommand;
  private readonly ownsClient: boolean;
  private readonly prefix: string;
  private closed = false;

  constructor(options: RedisSequenceStoreOptions = {}) {
    this.prefix = options.prefix ?? 'rb:';
    this.ownsClient = options.client === undefined;
    const redis =
      options.client ??
      new Redis(options.url ?? 'redis://127.0.0.1:6379', {
        maxRetriesPerRequest: 0,
        autoResendUnfulfilledCommands: false,
        enableOfflineQueue: true,
        connectTimeout: 2000,
        commandTimeout: options.commandTimeoutMs ?? 5000,
        retryStrategy: (times) => Math.min(times * 100, 1000),
      });
    // Failures reach callers as rejected commands; without a listener ioredis prints every one.
    if (this.ownsClient) redis.on('error', () => {});
    if (!(ROOM_SEQ_COMMAND in redis))
      redis.defineCommand(ROOM_SEQ_COMMAND, { numberOfKeys: 1, lua: ROOM_SEQ_LUA });
    this.redis = redis as Redis & RoomSeqCommand;
  }

  next(appId: string, room: string): Promise<number> {
    if (this.closed) return Promise.reject(closedError());
    return this.redis.relayboxRoomSeq(roomKeys(this.prefix, appId, room).seq).then(Number, toStoreError);
  }

  current(appId: string, room: string): Promise<number> {
    if (this.closed) return Promise.reject(closedError());
    return this.redis
      .get(roomKeys(this.prefix, appId, room).seq)
      .then((value) => Number(value ?? 0), toStoreError);
  }

  /** Waits for the replies of calls already made, then disconnects (bounded). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.ownsClient) return;
    if (this.redis.status !== 'ready') {
      this.redis.disconnect();
      return;
    }
    const timer = setTimeout(() => this.redis.disconnect(), 2000);
    await this.redis.quit().catch(() => this.redis.disconnect());
    clearTimeout(timer);
  }
}

/** Reply errors that mean "Redis is there but cannot serve now" rather than a bug in the call. */
const TRANSIENT_REPLY = /^(LOADING|BUSY|READONLY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN)\b/;

function toStoreError(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof ReplyError && !TRANSIENT_REPLY.test(message)) {
    throw new RelayBoxError(ErrorCode.Internal, `sequence store: ${message}`, { cause: error });
  }
  throw new RelayBoxError(ErrorCode.StoreUnavailable, `sequence store unavailable: ${message}`, {
    cause: error,
  });
}

function closedError(): RelayBoxError {
  return new RelayBoxError(ErrorCode.StoreUnavailable, 'sequence store is closed');
}
