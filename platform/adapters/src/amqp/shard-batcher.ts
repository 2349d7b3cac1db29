import type { BrokerMessage } from '@relaybox/core';
import {
  batchEntryBytes,
  MAX_BATCH_COUNT,
  type MeasuredMessage,
  measureBrokerMessage,
} from './amqp-codec.js';

/** One publish waiting in a batch: settled together with every other message of its batch. */
export interface PendingPublish {
  measured: MeasuredMessage;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export interface ShardBatcherOptions {
  /** Messages in one batch (1 turns batching off: every message goes alone, v1). */
  maxMessages: number;
  /** UTF-8 bytes of the entries of one batch; a message larger than this goes alone. */
  maxBytes: number;
  /** Sends one batch of one routing key, in order; settles every entry exactly once. */
  send: (routingKey: string, batch: PendingPublish[]) => void;
}

export const DEFAULT_BATCH_MAX_MESSAGES = 64;
export const DEFAULT_BATCH_MAX_BYTES = 64 * 1024;

/**
 * Groups the publishes of one routing key made within one turn of the event loop (flushed by
 * `setImmediate`, i.e. after the I/O callbacks that produced them) into one batch, so that one AMQP
 * message and one publisher confirm carry all of them. A batch that reaches `maxMessages` or would
 * pass `maxBytes` is sent at once, before the next one of its key starts: publish order per routing
 * key (and so per room) is kept.
 */
export class ShardBatcher {
  private readonly pending = new Map<string, { entries: PendingPublish[]; bytes: number }>();
  private timer: ReturnType<typeof setImmediate> | undefined;

  constructor(private readonly options: ShardBatcherOptions) {
    const { maxMessages, maxBytes } = options;
    if (!Number.isInteger(maxMessages) || maxMessages < 1 || maxMessages > MAX_BATCH_COUNT) {
      throw new RangeError(
        `batchMaxMessages must be an integer from 1 to ${MAX_BATCH_COUNT}, not ${maxMessages}`,
      );
    }
    if (!Number.isInteger(maxBytes) || maxBytes < 1) {
      throw new RangeError(`batchMaxBytes must be a positive integer, not ${maxBytes}`);
    }
  }

  /** Queues `message` for `routingKey`; rejects at once (nothing queued) when no format can carry it. */
  add(routingKey: string, message: BrokerMessage): Promise<void> {
    let measured: MeasuredMessage;
    try {
      measured = measureBrokerMessage(message);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      const entry = { measured, resolve, reject };
      if (this.options.maxMessages === 1) {
        this.options.send(routingKey, [entry]);
        return;
      }
      const bytes = batchEntryBytes(measured);
      let batch = this.pending.get(routingKey);
      if (batch !== undefined && batch.bytes + bytes > this.options.maxBytes) {
        this.flushKey(routingKey);
        batch = undefined;
      }
      if (batch === undefined) {
        batch = { entries: [], bytes: 0 };
        this.pending.set(routingKey, batch);
      }
      batch.entries.push(entry);
      batch.bytes += bytes;
      if (batch.entries.length >= this.options.maxMessages) this.flushKey(routingKey);
      else this.timer ??= setImmediate(this.flush);
    });
  }

  /** Sends every pending batch now (also before a close, so that it waits for their confirms). */
  readonly flush = (): void => {
    clearImmediate(this.timer);
    this.timer = undefined;
    for (const routingKey of [...this.pending.keys()]) this.flushKey(routingKey);
  };

  private flushKey(routingKey: string): void {
    const batch = this.pending.get(routingKey);
    if (batch === undefined) return;
    this.pending.delete(routingKey);
    this.options.send(routingKey, batch.entries);
  }
}
