import { EventEmitter } from 'node:events';
import { sql } from 'kysely';
import pg from 'pg';
import type { DatabaseHandle } from '../db/database.js';
import { randomId } from '../lib/ids.js';

/** What gateways must hear about: a key's secret changed or is gone, a whole app is gone, or an
 * app's settings or webhook endpoints changed (gateways drop their cached app config). */
export type KeyEvent =
  | { type: 'revoke'; appId: string; keyId: string }
  | { type: 'app-deleted'; appId: string }
  | { type: 'app-updated'; appId: string }
  /** Every session of an app's end user was revoked (or the user disabled): close its connections. */
  | { type: 'user-revoked'; appId: string; userId: string }
  /** Queue a dead letter again: the gateway that takes it off the shared list does, and answers. */
  | { type: 'webhook-requeue'; appId: string; endpointId: string; eventId: string; requestId: string };

const CHANNEL = 'relaybox_key_events';

interface Logger {
  warn(obj: object, msg: string): void;
}

/**
 * Fan-out of key events to every SSE stream of every control-plane process. Events fire locally
 * at once (in-process emitter) and, on PostgreSQL, also go out with NOTIFY: each process LISTENs
 * on a dedicated connection and re-emits events whose origin is another process. On PGlite there
 * is one process, so the emitter alone suffices. A lost LISTEN connection is re-opened after 1 s;
 * once it is back, `reset` fires so streams end and gateways reconnect and flush their caches
 * (events of other processes during the gap were missed).
 */
export class KeyEvents {
  private readonly emitter = new EventEmitter();
  private readonly origin = randomId(16);
  private listener: pg.Client | null = null;
  private closed = false;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly database: DatabaseHandle,
    private readonly log: Logger,
  ) {
    this.emitter.setMaxListeners(0);
  }

  /** Starts LISTEN on PostgreSQL; resolves once listening (no-op on PGlite). */
  async start(): Promise<void> {
    if (this.database.kind !== 'postgres' || !this.database.databaseUrl) return;
    const client = new pg.Client({ connectionString: this.database.databaseUrl });
    client.on('notification', (msg) => this.onNotification(msg.payload));
    client.on('error', (error) => this.onListenerError(client, error));
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.listener = client;
  }

  publish(event: KeyEvent): void {
    this.emitter.emit('event', event);
    if (this.database.kind !== 'postgres') return;
    const payload = JSON.stringify({ origin: this.origin, event });
    sql`SELECT pg_notify(${CHANNEL}, ${payload})`.execute(this.database.db).catch((error: unknown) => {
      this.log.warn({ err: error }, 'key event NOTIFY failed; other control-plane processes miss it');
    });
  }

  /** Fires after a lost LISTEN connection is back. Returns the unsubscribe function. */
  onReset(listener: () => void): () => void {
    this.emitter.on('reset', listener);
    return () => this.emitter.off('reset', listener);
  }

  /** Returns the unsubscribe function. */
  subscribe(listener: (event: KeyEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.listener;
    this.listener = null;
    await client?.end().catch(() => undefined);
    this.emitter.removeAllListeners();
  }

  private onNotification(payload: string | undefined): void {
    try {
      const parsed = JSON.parse(payload ?? '') as { origin: string; event: KeyEvent };
      if (parsed.origin !== this.origin) this.emitter.emit('event', parsed.event);
    } catch {
      // Not ours: ignore.
    }
  }

  private onListenerError(client: pg.Client, error: Error): void {
    this.log.warn({ err: error }, 'key event LISTEN connection failed; reconnecting');
    if (this.listener !== client) return;
    this.listener = null;
    client.end().catch(() => undefined);
    const retry = () => {
      this.retryTimer = null;
      if (this.closed) return;
      this.start().then(
        () => this.emitter.emit('reset'),
        () => {
          this.retryTimer = setTimeout(retry, 1000);
        },
      );
    };
    this.retryTimer = setTimeout(retry, 1000);
  }
}
