/** One item waiting in a batch, with its size; the batch's sender settles it. */
export interface BatchedItem {
  /** Counted against `maxBytes`. */
  bytes: number;
}

export interface AppendBatcherOptions<T extends BatchedItem> {
  /** Items in one batch (1 turns batching off: every item is sent alone, at once). */
  maxMessages: number;
  /** Bytes of one batch; an item larger than this goes alone. */
  maxBytes: number;
  /** Sends one batch of one key, in the order the items were added; settles every item exactly once. */
  send: (key: string, batch: T[]) => void;
  /**
   * Wraps the sends of one turn's flush (every key's batch), e.g. to cork the connection so that
   * they leave in one socket write instead of one per key. Must call `sendAll` exactly once.
   */
  around?: (sendAll: () => void) => void;
}

export const DEFAULT_APPEND_BATCH_MAX_MESSAGES = 64;
export const DEFAULT_APPEND_BATCH_MAX_BYTES = 64 * 1024;
/** Largest `maxMessages`: one batch is one Lua script call, which blocks Redis while it runs. */
export const MAX_APPEND_BATCH_MESSAGES = 1000;

/**
 * Groups the items of one key (a room) added within one turn of the event loop into one batch,
 * flushed by `setImmediate` (the check phase right after the I/O callbacks that added them: no
 * timer wait). A batch that reaches `maxMessages` or would pass `maxBytes` is sent at once, before
 * the next one of its key starts, so the items of one key are sent in the order they were added.
 * The same shape as the broker's `ShardBatcher`.
 */
export class AppendBatcher<T extends BatchedItem> {
  private readonly pending = new Map<string, { items: T[]; bytes: number }>();
  private timer: ReturnType<typeof setImmediate> | undefined;

  constructor(private readonly options: AppendBatcherOptions<T>) {
    const { maxMessages, maxBytes } = options;
    if (!Number.isInteger(maxMessages) || maxMessages < 1 || maxMessages > MAX_APPEND_BATCH_MESSAGES) {
      throw new RangeError(
        `appendBatchMaxMessages must be an integer from 1 to ${MAX_APPEND_BATCH_MESSAGES}, not ${maxMessages}`,
      );
    }
    if (!Number.isInteger(maxBytes) || maxBytes < 1) {
      throw new RangeError(`appendBatchMaxBytes must be a positive integer, not ${maxBytes}`);
    }
  }

  add(key: string, item: T): void {
    if (this.options.maxMessages === 1) {
      this.options.send(key, [item]);
      return;
    }
    let batch = this.pending.get(key);
    if (batch !== undefined && batch.bytes + item.bytes > this.options.maxBytes) {
      this.flushKey(key);
      batch = undefined;
    }
    if (batch === undefined) {
      batch = { items: [], bytes: 0 };
      this.pending.set(key, batch);
    }
    batch.items.push(item);
    batch.bytes += item.bytes;
    if (batch.items.length >= this.options.maxMessages) this.flushKey(key);
    else this.timer ??= setImmediate(this.flush);
  }

  /** Sends every pending batch now (also before a close, so that the close waits for their replies). */
  readonly flush = (): void => {
    clearImmediate(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0) return;
    if (this.pending.size === 1 || this.options.around === undefined) this.sendPending();
    else this.options.around(this.sendPending);
  };

  private readonly sendPending = (): void => {
    for (const key of [...this.pending.keys()]) this.flushKey(key);
  };

  private flushKey(key: string): void {
    const batch = this.pending.get(key);
    if (batch === undefined) return;
    this.pending.delete(key);
    this.options.send(key, batch.items);
  }
}
