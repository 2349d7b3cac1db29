import { createHash } from 'node:crypto';
import {
  encodeNextCursor,
  type HistoryAppendInput,
  type HistoryAppendResult,
  type HistoryBounds,
  type HistoryCursor,
  type HistoryPage,
  type HistoryQuery,
  type HistoryStore,
  type HistoryTrimOptions,
  type HistoryTrimResult,
  historySeqRange,
  messageFrameParts,
  messageFramePayload,
  parseMessageFrame,
  type ResolvedHistoryQuery,
  requireInteger,
  resolveHistoryQuery,
  validateHistoryAppend,
} from '@relaybox/core';
import type { RoomMessage } from '@relaybox/protocol';
import { Redis } from 'ioredis';
import {
  AppendBatcher,
  DEFAULT_APPEND_BATCH_MAX_BYTES,
  DEFAULT_APPEND_BATCH_MAX_MESSAGES,
} from './append-batcher.js';
import type { RedisClient } from './redis-connection.js';
import {
  closedStore,
  closeStateClient,
  defineScripts,
  openStateClient,
  type RedisStateOptions,
  storeFailure,
} from './redis-state-client.js';
import { historyIndexKeys, historyIndexMember, roomKeys } from './room-keys.js';

const SCRIPTS = {
  relayboxHistoryAppend: { file: 'history-append.lua' },
  relayboxHistoryIndex: { file: 'history-index.lua', keys: 2 },
  relayboxHistoryUnindex: { file: 'history-unindex.lua', keys: 2 },
  relayboxHistoryTrim: { file: 'history-trim.lua', keys: 2 },
  relayboxHistoryRange: { file: 'history-range.lua', keys: 1 },
  relayboxHistoryBounds: { file: 'history-bounds.lua', keys: 2 },
};

/** The status that opens a history-append.lua reply; the negative one is the only other outcome. */
export const HistoryAppendStatus = { Appended: 1, Duplicate: -1 } as const;

type Arg = string | number;
type Reply = (string | number)[];
interface HistoryCommands {
  relayboxHistoryAppend(...args: Arg[]): Promise<Reply[]>;
  relayboxHistoryIndex(...args: Arg[]): Promise<number>;
  relayboxHistoryUnindex(...args: Arg[]): Promise<number>;
  relayboxHistoryTrim(...args: Arg[]): Promise<[number, number, number, number]>;
  relayboxHistoryRange(...args: Arg[]): Promise<Reply>;
  relayboxHistoryBounds(...args: Arg[]): Promise<[number, number]>;
}

export interface RedisHistoryStoreOptions extends RedisStateOptions {
  /** Cursor codec; every gateway on the same Redis needs the same secret. */
  cursors: HistoryCursor;
  /** Messages one query step (one script call) examines at most. Default 1000. */
  scanBatch?: number;
  /** Messages one query examines at most; past it the page comes back short, with `next`. Default 100_000. */
  scanLimit?: number;
  /** Messages one trim step removes at most, and the excess one append removes. Default 1000. */
  trimBatch?: number;
  /** Rooms `trimExpired` loads from the index per step. Default 100. */
  roomBatch?: number;
  /** How often appends to a room re-record it in the rooms index (heals a lost update). Default 60_000 ms. */
  reindexIntervalMs?: number;
  /**
   * Appends of one room made in one event-loop turn go to Redis as one script call, up to this many
   * (1: every append alone). Default 64, at most 1000.
   */
  appendBatchMaxMessages?: number;
  /** Bound on the frame bytes of one such call; a larger message goes alone. Default 65536. */
  appendBatchMaxBytes?: number;
}

/** One append waiting for its room's script call: the room's keys are the batch's. */
interface PendingAppend {
  room: { seq: string; history: string; historyIndexed: string };
  maxMessages: number;
  idempotencyKey: string;
  /** head, middle, timestamp, window, id: the five ARGV of one message in history-append.lua. */
  argv: [string, string, number, number, string];
  bytes: number;
  resolve: (reply: Reply) => void;
  reject: (error: unknown) => void;
}

/**
 * `HistoryStore` on Redis. Per room (hash tag `{<appId>:<room>}`): the `seq` counter, a ZSET `history` (score = seq, member = frame), idempotency records
 * `idem:<sha256(key)>` (`id seq timestamp`, expiring with the window) and a `history-indexed` marker.
 * Beside them, in a slot of its own, the rooms index (`{history-index}`) of when each room's oldest
 * message expires, so `trimExpired` visits only rooms with something to remove.
 *
 * Appends of one room made in the same event-loop turn go to Redis together, as one call of
 * history-append.lua (`AppendBatcher`: no timer wait, bounded by `appendBatchMaxMessages` and
 * `appendBatchMaxBytes`). They resolve in call order with their own seq, or, when the call fails,
 * all reject with the same error (nothing of a failed call resolves).
 *
 * Costs, n = messages in the room: append O(log n) (plus the excess removed when `maxMessages` was
 * lowered, bounded by `trimBatch`); a query page O(log n + limit) by seq, O(log² n + limit) with time
 * bounds, plus the messages skipped by an event filter (examined inside Redis, `scanBatch` at a
 * time); `trimExpired` O(log² n + removed) per due room, `trimBatch` at a time.
 *
 * Redis Cluster: every script touches one slot. The index is updated by a second command after an
 * append that empties-to-non-empty a room or has not refreshed its entry for `reindexIntervalMs`;
 * if that command is lost (the connection drops in between), the next refresh restores it, and a
 * room that never gets another append keeps its messages until `maxMessages` pushes them out.
 *
 * The client never re-sends a command (see `openStateClient`): an append without an idempotency key
 * that rejects after reaching Redis may have happened; retry with a key to find out.
 */
export class RedisHistoryStore implements HistoryStore {
  private readonly redis: RedisClient & HistoryCommands;
  private readonly ownsClient: boolean;
  private readonly prefix: string;
  private readonly cursors: HistoryCursor;
  private readonly scanBatch: number;
  private readonly scanLimit: number;
  private readonly trimBatch: number;
  private readonly roomBatch: number;
  private readonly reindexIntervalMs: number;
  private readonly fail = storeFailure('history store');
  private readonly appends: AppendBatcher<PendingAppend>;
  private closed = false;

  constructor(options: RedisHistoryStoreOptions) {
    const { redis, ownsClient } = openStateClient(options);
    defineScripts(redis, SCRIPTS);
    this.redis = redis as RedisClient & HistoryCommands;
    this.ownsClient = ownsClient;
    this.prefix = options.prefix ?? 'rb:';
    this.cursors = options.cursors;
    this.scanBatch = options.scanBatch ?? 1000;
    this.scanLimit = options.scanLimit ?? 100_000;
    this.trimBatch = options.trimBatch ?? 1000;
    this.roomBatch = options.roomBatch ?? 100;
    this.reindexIntervalMs = options.reindexIntervalMs ?? 60_000;
    this.appends = new AppendBatcher<PendingAppend>({
      maxMessages: options.appendBatchMaxMessages ?? DEFAULT_APPEND_BATCH_MAX_MESSAGES,
      maxBytes: options.appendBatchMaxBytes ?? DEFAULT_APPEND_BATCH_MAX_BYTES,
      send: (_, batch) => this.sendAppends(batch),
      around: (sendAll) => corked(this.redis, sendAll),
    });
  }

  async append(input: HistoryAppendInput): Promise<HistoryAppendResult> {
    this.assertOpen();
    validateHistoryAppend(input);
    const parts = messageFrameParts(input);
    const keys = roomKeys(this.prefix, input.appId, input.room);
    const key = input.idempotencyKey;
    const reply = await new Promise<Reply>((resolve, reject) => {
      const { head, middle } = parts;
      this.appends.add(keys.history, {
        room: keys,
        maxMessages: input.retention.maxMessages,
        idempotencyKey:
          keys.idempotency + (key === undefined ? '' : createHash('sha256').update(key).digest('base64url')),
        argv: [head, middle, input.timestamp, key === undefined ? 0 : input.idempotencyWindowMs, input.id],
        bytes: head.length + Buffer.byteLength(middle),
        resolve,
        reject,
      });
    });
    if (reply[0] === HistoryAppendStatus.Duplicate) return duplicateOf(input, reply);

    const seq = reply[1] as number;
    const timestamp = Number(reply[2]);
    if (reply[3] === 1) {
      const expiry = Number(reply[4]) + input.retention.maxAgeMs;
      const member = historyIndexMember(input.appId, input.room);
      const index = historyIndexKeys(this.prefix);
      // Not awaited: appends must resolve in call order (the gateway publishes in that order), and
      // the message is stored whatever happens here; a lost update is healed by a later refresh.
      this.redis.relayboxHistoryIndex(index.rooms, index.seqs, member, expiry, seq).catch(() => {});
    }
    const { id, room, event, clientId } = input;
    const message: RoomMessage = { id, seq, room, event, data: input.data ?? null, clientId, timestamp };
    return { message, payload: messageFramePayload(parts, seq, timestamp), duplicate: false };
  }

  async query(appId: string, room: string, query: HistoryQuery): Promise<HistoryPage> {
    this.assertOpen();
    const resolved = resolveHistoryQuery(query, appId, room, this.cursors);
    const key = roomKeys(this.prefix, appId, room).history;
    const forwards = resolved.direction === 'forwards';
    const want = resolved.limit + 1;
    const marker = resolved.event === undefined ? '' : `,"event":${JSON.stringify(resolved.event)},"data":`;
    let { lo, hi } = historySeqRange(resolved);
    const frames: string[] = [];
    let done = lo > hi;
    let examined = 0;
    let last = 0;
    while (!done && frames.length < want && examined < this.scanLimit) {
      const budget = Math.min(this.scanBatch, this.scanLimit - examined);
      const reply = await this.redis
        .relayboxHistoryRange(
          key,
          forwards ? 'f' : 'b',
          lo,
          hi,
          resolved.start ?? '',
          resolved.end ?? '',
          marker,
          want - frames.length,
          budget,
        )
        .catch(this.fail);
      done = reply[0] === 1;
      last = reply[1] as number;
      for (let i = 2; i < reply.length; i++) frames.push(reply[i] as string);
      examined += budget;
      if (forwards) lo = last + 1;
      else hi = last - 1;
    }
    // Frames go out as stored (no parse per message): only the page's last one is read, for the cursor.
    if (frames.length > resolved.limit) {
      frames.length = resolved.limit;
      const position = parseMessageFrame(frames[frames.length - 1] as string).seq;
      return { frames, next: this.next(appId, room, resolved, position) };
    }
    // A short page only when the scan limit stopped the search: continue after what was examined.
    return done ? { frames } : { frames, next: this.next(appId, room, resolved, last) };
  }

  async bounds(appId: string, room: string): Promise<HistoryBounds> {
    this.assertOpen();
    const keys = roomKeys(this.prefix, appId, room);
    const [oldestSeq, latestSeq] = await this.redis
      .relayboxHistoryBounds(keys.seq, keys.history)
      .catch(this.fail);
    return { oldestSeq, latestSeq };
  }

  /** ZCARD and DEL of the room's history in one MULTI (one slot); the seq key stays. */
  async clear(appId: string, room: string): Promise<{ removed: number }> {
    this.assertOpen();
    const keys = roomKeys(this.prefix, appId, room);
    const results = await this.redis.multi().zcard(keys.history).del(keys.history).exec().catch(this.fail);
    const counted = results?.[0];
    if (!counted || counted[0]) return this.fail(counted?.[0] ?? new Error('MULTI was discarded'));
    return { removed: Number(counted[1]) };
  }

  async trimExpired(options: HistoryTrimOptions): Promise<HistoryTrimResult> {
    this.assertOpen();
    requireInteger(options.now, 'now', 0);
    const index = historyIndexKeys(this.prefix);
    const result: HistoryTrimResult = { rooms: 0, removed: 0 };
    const visited = new Set<string>();
    let stuck = 0;
    let firstError: unknown;
    for (;;) {
      // Due rooms: their oldest message expired before `now`. Trimmed rooms leave this range, so
      // each step reads from the start, skipping only rooms that failed (they stay in range).
      const due = await this.redis
        .zrangebyscore(index.rooms, '-inf', `(${options.now}`, 'LIMIT', stuck, this.roomBatch)
        .catch(this.fail);
      const fresh = due.filter((member) => !visited.has(member));
      if (fresh.length === 0) break;
      const outcomes = await Promise.allSettled(
        fresh.map((member) => {
          visited.add(member);
          return this.trimRoom(member, options);
        }),
      );
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') {
          stuck++;
          firstError ??= outcome.reason;
        } else if (outcome.value > 0) {
          result.rooms++;
          result.removed += outcome.value;
        }
      }
    }
    if (firstError !== undefined) throw firstError;
    return result;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.appends.flush(); // sent before the close, which waits (bounded) for their replies
    await closeStateClient(this.redis, this.ownsClient);
  }

  /** Trims one indexed room to its app's age bound and updates its index entry; the count removed. */
  private async trimRoom(member: string, options: HistoryTrimOptions): Promise<number> {
    const appId = member.slice(0, member.indexOf(':'));
    const maxAgeMs = typeof options.maxAgeMs === 'number' ? options.maxAgeMs : options.maxAgeMs(appId);
    requireInteger(maxAgeMs, 'maxAgeMs', 1);
    const keys = roomKeys(this.prefix, appId, member.slice(appId.length + 1));
    const index = historyIndexKeys(this.prefix);
    let removed = 0;
    for (let emptied = 0; ; ) {
      const [count, more, oldest, latestSeq] = await this.redis
        .relayboxHistoryTrim(keys.history, keys.seq, options.now - maxAgeMs, this.trimBatch)
        .catch(this.fail);
      removed += count;
      if (more === 1) continue;
      if (oldest >= 0) {
        await this.redis.zadd(index.rooms, oldest + maxAgeMs, member).catch(this.fail);
        return removed;
      }
      const dropped = await this.redis
        .relayboxHistoryUnindex(index.rooms, index.seqs, member, latestSeq)
        .catch(this.fail);
      if (dropped === 1) return removed;
      // Kept: an append raced with this trim and holds a message again; one more pass rescores it.
      // Racing again, the room is scheduled for the next run instead, never left due in this one.
      if (++emptied > 1) {
        await this.redis.zadd(index.rooms, options.now, member).catch(this.fail);
        return removed;
      }
    }
  }

  /**
   * One script call for appends of one room, in call order. The room's retention is its app's,
   * the same for every message of the batch; the first message's is used.
   */
  private sendAppends(batch: PendingAppend[]): void {
    const first = batch[0] as PendingAppend;
    const args: Arg[] = [batch.length + 3, first.room.seq, first.room.history, first.room.historyIndexed];
    for (const entry of batch) args.push(entry.idempotencyKey);
    args.push(first.maxMessages, this.trimBatch, this.reindexIntervalMs);
    for (const entry of batch) args.push(...entry.argv);
    this.redis.relayboxHistoryAppend(...args).then(
      (replies) => {
        for (let i = 0; i < batch.length; i++) (batch[i] as PendingAppend).resolve(replies[i] as Reply);
      },
      (error: unknown) => {
        let failure: unknown = error;
        try {
          this.fail(error);
        } catch (mapped) {
          failure = mapped;
        }
        for (const entry of batch) entry.reject(failure);
      },
    );
  }

  private next(appId: string, room: string, query: ResolvedHistoryQuery, position: number): string {
    return encodeNextCursor(this.cursors, appId, room, query, position);
  }

  private assertOpen(): void {
    if (this.closed) throw closedStore('history store');
  }
}

/**
 * Runs `sendAll` with the connection's socket corked: the script calls of several rooms flushed in
 * one turn leave in one write (one syscall) instead of one each. A cluster client sends through
 * its nodes' own sockets: there it runs as it is.
 */
function corked(redis: RedisClient, sendAll: () => void): void {
  const stream = redis instanceof Redis ? redis.stream : undefined;
  if (stream === undefined || !stream.writable) {
    sendAll();
    return;
  }
  stream.cork();
  try {
    sendAll();
  } finally {
    stream.uncork();
  }
}

/** The original of a duplicate; rebuilt from its id, seq and timestamp once retention removed it. */
function duplicateOf(input: HistoryAppendInput, reply: Reply): HistoryAppendResult {
  const frame = reply[4] as string | undefined;
  if (frame !== undefined) return { message: parseMessageFrame(frame), payload: frame, duplicate: true };
  const seq = reply[1] as number;
  const timestamp = Number(reply[2]);
  const id = reply[3] as string;
  const parts = messageFrameParts({ ...input, id });
  const payload = messageFramePayload(parts, seq, timestamp);
  return { message: parseMessageFrame(payload), payload, duplicate: true };
}
