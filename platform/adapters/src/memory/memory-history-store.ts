import {
  encodeNextCursor,
  type HistoryAppendInput,
  type HistoryAppendResult,
  type HistoryBounds,
  HistoryCursor,
  type HistoryPage,
  type HistoryQuery,
  type HistoryStore,
  type HistoryTrimOptions,
  type HistoryTrimResult,
  historySeqRange,
  messageFrameParts,
  messageFramePayload,
  resolveHistoryQuery,
  validateHistoryAppend,
} from '@relaybox/core';
import { ErrorCode, RelayBoxError, type RoomMessage } from '@relaybox/protocol';

interface StoredMessage {
  seq: number;
  timestamp: number;
  event: string;
  payload: string;
}

/** One room's messages in seq order (and so in timestamp order); O(1) amortized removal from the front. */
class RoomLog {
  private entries: StoredMessage[] = [];
  private head = 0;

  get size(): number {
    return this.entries.length - this.head;
  }

  /** The i-th message from the oldest, 0 <= i < size. */
  at(i: number): StoredMessage {
    return this.entries[this.head + i] as StoredMessage;
  }

  last(): StoredMessage | undefined {
    return this.size > 0 ? this.at(this.size - 1) : undefined;
  }

  push(message: StoredMessage): void {
    this.entries.push(message);
  }

  dropOldest(count: number): void {
    this.head += Math.min(count, this.size);
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  /** Index of the first message whose `field` is >= value (size when none). */
  lowerBound(field: 'seq' | 'timestamp', value: number): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at(mid)[field] < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

interface IdempotencyRecord {
  expiresAt: number;
  message: RoomMessage;
  payload: string;
}

/**
 * What `MemoryHistoryStore`s share: pass one instance to several stores to model several gateways
 * in one process.
 */
export class MemoryHistoryData {
  readonly rooms = new Map<string, RoomLog>();
  readonly idempotency = new Map<string, IdempotencyRecord>();
  constructor(readonly counters: Map<string, number> = new Map()) {}
}

export interface MemoryHistoryStoreOptions {
  data?: MemoryHistoryData;
  /** Cursor codec; stores that share `data` must share it too. Default: a random secret. */
  cursors?: HistoryCursor;
  /** Clock of idempotency windows. Default `Date.now`. */
  clock?: () => number;
}

/**
 * `HistoryStore` for one process (the embedded engine): per-room arrays, so every call is atomic.
 * Same retention as Redis; `trimExpired` walks every room with history (fine at one process's
 * scale). A duplicate keeps returning the original message even after retention removed it.
 */
export class MemoryHistoryStore implements HistoryStore {
  private readonly data: MemoryHistoryData;
  private readonly cursors: HistoryCursor;
  private readonly clock: () => number;
  private closed = false;

  constructor(options: MemoryHistoryStoreOptions = {}) {
    this.data = options.data ?? new MemoryHistoryData();
    this.cursors = options.cursors ?? HistoryCursor.random();
    this.clock = options.clock ?? Date.now;
  }

  async append(input: HistoryAppendInput): Promise<HistoryAppendResult> {
    this.assertOpen();
    validateHistoryAppend(input);
    const parts = messageFrameParts(input);
    const now = this.clock();
    const idemKey =
      input.idempotencyKey === undefined
        ? undefined
        : JSON.stringify([input.appId, input.room, input.idempotencyKey]);
    this.forgetExpiredKeys(now);
    const seen = idemKey === undefined ? undefined : this.data.idempotency.get(idemKey);
    if (seen && seen.expiresAt > now)
      return { message: { ...seen.message }, payload: seen.payload, duplicate: true };

    const key = roomKey(input.appId, input.room);
    const seq = (this.data.counters.get(key) ?? 0) + 1;
    this.data.counters.set(key, seq);
    let log = this.data.rooms.get(key);
    if (!log) {
      log = new RoomLog();
      this.data.rooms.set(key, log);
    }
    const timestamp = Math.max(input.timestamp, log.last()?.timestamp ?? 0);
    const payload = messageFramePayload(parts, seq, timestamp);
    log.push({ seq, timestamp, event: input.event, payload });
    if (log.size > input.retention.maxMessages) log.dropOldest(log.size - input.retention.maxMessages);

    const { id, room, event, clientId } = input;
    const message: RoomMessage = { id, seq, room, event, data: input.data ?? null, clientId, timestamp };
    if (idemKey !== undefined) {
      this.data.idempotency.delete(idemKey);
      this.data.idempotency.set(idemKey, { expiresAt: now + input.idempotencyWindowMs, message, payload });
    }
    return { message: { ...message }, payload, duplicate: false };
  }

  async query(appId: string, room: string, query: HistoryQuery): Promise<HistoryPage> {
    this.assertOpen();
    const resolved = resolveHistoryQuery(query, appId, room, this.cursors);
    const log = this.data.rooms.get(roomKey(appId, room));
    if (!log) return { frames: [] };
    const { lo, hi } = historySeqRange(resolved);
    let first = log.lowerBound('seq', lo);
    let last = log.lowerBound('seq', hi + 1) - 1;
    if (resolved.start !== undefined) first = Math.max(first, log.lowerBound('timestamp', resolved.start));
    if (resolved.end !== undefined) last = Math.min(last, log.lowerBound('timestamp', resolved.end + 1) - 1);

    const found: StoredMessage[] = [];
    const forwards = resolved.direction === 'forwards';
    const step = forwards ? 1 : -1;
    for (let i = forwards ? first : last; i >= first && i <= last; i += step) {
      const entry = log.at(i);
      if (resolved.event !== undefined && entry.event !== resolved.event) continue;
      found.push(entry);
      if (found.length > resolved.limit) break;
    }
    const frames = found.slice(0, resolved.limit).map((e) => e.payload);
    if (found.length <= resolved.limit) return { frames };
    const position = (found[resolved.limit - 1] as StoredMessage).seq;
    return { frames, next: encodeNextCursor(this.cursors, appId, room, resolved, position) };
  }

  async bounds(appId: string, room: string): Promise<HistoryBounds> {
    this.assertOpen();
    const key = roomKey(appId, room);
    const latestSeq = this.data.counters.get(key) ?? 0;
    const log = this.data.rooms.get(key);
    return { oldestSeq: log && log.size > 0 ? log.at(0).seq : latestSeq + 1, latestSeq };
  }

  async clear(appId: string, room: string): Promise<{ removed: number }> {
    this.assertOpen();
    const key = roomKey(appId, room);
    const removed = this.data.rooms.get(key)?.size ?? 0;
    this.data.rooms.delete(key);
    return { removed };
  }

  async trimExpired(options: HistoryTrimOptions): Promise<HistoryTrimResult> {
    this.assertOpen();
    const result: HistoryTrimResult = { rooms: 0, removed: 0 };
    for (const [key, log] of this.data.rooms) {
      const appId = key.slice(0, key.indexOf(':'));
      const maxAgeMs = typeof options.maxAgeMs === 'number' ? options.maxAgeMs : options.maxAgeMs(appId);
      const expired = log.lowerBound('timestamp', options.now - maxAgeMs);
      if (expired > 0) {
        log.dropOldest(expired);
        result.rooms++;
        result.removed += expired;
      }
      if (log.size === 0) this.data.rooms.delete(key);
    }
    this.forgetExpiredKeys(this.clock());
    return result;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** Drops expired keys from the oldest on; stops at the first live one (windows are similar in practice). */
  private forgetExpiredKeys(now: number): void {
    for (const [key, record] of this.data.idempotency) {
      if (record.expiresAt > now) return;
      this.data.idempotency.delete(key);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new RelayBoxError(ErrorCode.StoreUnavailable, 'history store is closed');
  }
}

/** A room's counter key: appId has no `:`, so the pair is unambiguous. */
function roomKey(appId: string, room: string): string {
  return `${appId}:${room}`;
}
