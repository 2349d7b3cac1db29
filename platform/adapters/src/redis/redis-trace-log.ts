import {
  selectTraces,
  type TraceEvent,
  type TraceListener,
  type TraceLog,
  type TraceQuery,
} from '@relaybox/core';
import { duplicateClient, type RedisClient } from './redis-connection.js';
import {
  closedStore,
  closeStateClient,
  defineScripts,
  openStateClient,
  type RedisStateOptions,
  storeFailure,
} from './redis-state-client.js';

const STORE = 'trace log';

interface TraceCommands {
  relayboxTraceAppend(key: string, capacity: number, ttlMs: number, ...events: string[]): Promise<number>;
}

const SCRIPTS = { relayboxTraceAppend: { file: 'trace-append.lua', keys: 1 } };

/** Events sent per script call at most (bounds one call's size and Redis's time in it). */
const APPEND_CHUNK = 1000;

export const traceStreamKey = (prefix: string) => `${prefix}traces`;

export interface RedisTraceLogOptions extends RedisStateOptions {
  /** Events kept (approximately: `XADD MAXLEN ~`). Default 10,000. */
  capacity?: number;
  /** How long one blocking read of the followers waits, in ms. Default 1000. */
  blockMs?: number;
  /** The stream expires this long after the last append, in ms. Default 24 h. */
  ttlMs?: number;
}

type StreamEntries = Array<[id: string, fields: string[]]>;

/**
 * `TraceLog` on a Redis stream: one entry per event (field `e` = the event's JSON), appended with
 * `XADD MAXLEN ~ capacity` by one script call per batch (lua/trace-append.lua). Followers share one dedicated connection that
 * loops on `XREAD BLOCK` from the last id it saw; it is opened with the first follower and closed
 * after the last one stops. Queries read the retained entries newest first (`XREVRANGE`).
 */
export class RedisTraceLog implements TraceLog {
  private readonly redis: RedisClient;
  private readonly ownsClient: boolean;
  private readonly key: string;
  private readonly capacity: number;
  private readonly blockMs: number;
  private readonly ttlMs: number;
  private readonly fail = storeFailure(STORE);
  private readonly listeners = new Set<TraceListener>();
  private reader: RedisClient | undefined;
  private reading: Promise<void> | undefined;
  private closed = false;

  constructor(options: RedisTraceLogOptions = {}) {
    this.key = traceStreamKey(options.prefix ?? 'rb:');
    this.capacity = options.capacity ?? 10_000;
    this.blockMs = options.blockMs ?? 1000;
    this.ttlMs = options.ttlMs ?? 86_400_000;
    const { redis, ownsClient } = openStateClient(options);
    defineScripts(redis, SCRIPTS);
    this.redis = redis;
    this.ownsClient = ownsClient;
  }

  async append(events: readonly TraceEvent[]): Promise<void> {
    this.check();
    const script = this.redis as unknown as TraceCommands;
    for (let i = 0; i < events.length; i += APPEND_CHUNK) {
      const chunk = events.slice(i, i + APPEND_CHUNK).map((event) => JSON.stringify(event));
      await script.relayboxTraceAppend(this.key, this.capacity, this.ttlMs, ...chunk).catch(this.fail);
    }
  }

  async query(query: TraceQuery): Promise<TraceEvent[]> {
    this.check();
    const entries = (await this.redis
      .xrevrange(this.key, '+', '-', 'COUNT', this.capacity)
      .catch(this.fail)) as StreamEntries;
    const events: TraceEvent[] = [];
    for (let i = entries.length - 1; i >= 0; i--) {
      const event = decode((entries[i] as StreamEntries[number])[1]);
      if (event) events.push(event);
    }
    return selectTraces(events, query);
  }

  follow(listener: TraceListener): () => void {
    const wrapped: TraceListener = (event) => listener(event);
    this.listeners.add(wrapped);
    if (!this.reading && !this.closed)
      this.reading = this.readLoop().finally(() => (this.reading = undefined));
    return () => {
      this.listeners.delete(wrapped);
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    this.reader?.disconnect();
    await this.reading;
    await closeStateClient(this.redis, this.ownsClient);
  }

  /** Reads new entries while anyone follows; a failed read is retried after a pause. */
  private async readLoop(): Promise<void> {
    const reader = duplicateClient(this.redis, { commandTimeout: this.blockMs + 5000 });
    reader.on('error', () => {});
    this.reader = reader;
    let lastId: string | undefined;
    try {
      while (this.listeners.size > 0 && !this.closed) {
        try {
          lastId ??= await this.lastEntryId(reader);
          const reply = (await reader.xread(
            'COUNT',
            1000,
            'BLOCK',
            this.blockMs,
            'STREAMS',
            this.key,
            lastId,
          )) as Array<[key: string, entries: StreamEntries]> | null;
          for (const [id, fields] of reply?.[0]?.[1] ?? []) {
            lastId = id;
            const event = decode(fields);
            if (event) this.dispatch(event);
          }
        } catch {
          if (this.closed) return;
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
    } finally {
      this.reader = undefined;
      reader.disconnect();
    }
  }

  private async lastEntryId(reader: RedisClient): Promise<string> {
    const last = (await reader.xrevrange(this.key, '+', '-', 'COUNT', 1)) as StreamEntries;
    return last[0]?.[0] ?? '0-0';
  }

  private dispatch(event: TraceEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A failing follower must not stop the others.
      }
    }
  }

  private check(): void {
    if (this.closed) throw closedStore(STORE);
  }
}

function decode(fields: string[]): TraceEvent | undefined {
  const i = fields.indexOf('e');
  if (i < 0 || i + 1 >= fields.length) return undefined;
  try {
    return JSON.parse(fields[i + 1] as string) as TraceEvent;
  } catch {
    return undefined;
  }
}
