import { type CloudLog, type ControlPlaneClient, SILENT_LOG } from './control-plane-client.js';
import { SseParser } from './sse-parser.js';

/** What the control plane pushes about keys (`GET /internal/v1/keys/events`). */
export type KeyEvent =
  | { type: 'ready' }
  | { type: 'revoke'; appId: string; keyId: string }
  | { type: 'app-deleted'; appId: string }
  /** The app's settings or webhook endpoints changed: drop its cached config (keys stay valid). */
  | { type: 'app-updated'; appId: string }
  /** Every session of an app's end user was revoked from the dashboard: close its connections. */
  | { type: 'user-revoked'; appId: string; userId: string }
  /**
   * Requeue of a dead letter asked from the dashboard: every gateway of the app tries to take it off
   * the shared dead-letter list; the one whose take succeeds queues it again, and each answers
   * `POST /internal/v1/webhooks/requeues/<requestId>` (WEBHOOK_REQUEUES_PATH).
   */
  | WebhookRequeueEvent;

export interface WebhookRequeueEvent {
  type: 'webhook-requeue';
  appId: string;
  endpointId: string;
  eventId: string;
  requestId: string;
}

/** Where a gateway answers a `webhook-requeue` event (`/<requestId>` appended). */
export const WEBHOOK_REQUEUES_PATH = '/internal/v1/webhooks/requeues';

export interface KeyEventStreamOptions {
  /** Reconnect backoff (full jitter between min and max). Defaults 250 ms .. 5 s. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** No byte (event or `: ping`) for this long → the stream is presumed dead. Default 45 s (pings every 15 s). */
  idleTimeoutMs?: number;
  log?: CloudLog;
  random?: () => number;
}

export const KEY_EVENTS_PATH = '/internal/v1/keys/events';

/**
 * Keeps one long-lived event stream to the control plane open, reconnecting with jittered backoff.
 * `connected` is true from a `ready` event until the stream ends; consumers flush their cache on
 * every `ready` (they may have missed events while disconnected).
 */
export class KeyEventStream {
  private abort: AbortController | undefined;
  private stopped = false;
  private attempt = 0;
  private isConnected = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private readonly log: CloudLog;

  constructor(
    private readonly client: ControlPlaneClient,
    private readonly onEvent: (event: KeyEvent) => void,
    private readonly onDisconnect: () => void,
    private readonly options: KeyEventStreamOptions = {},
  ) {
    this.log = options.log ?? SILENT_LOG;
  }

  get connected(): boolean {
    return this.isConnected;
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort?.abort();
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.readOnce();
        if (!this.stopped) this.log.warn('control plane key events ended; reconnecting');
      } catch (error) {
        if (!this.stopped) this.log.warn('control plane key events failed', { error: String(error) });
      }
      if (this.isConnected) {
        this.isConnected = false;
        this.onDisconnect();
      }
      if (this.stopped) break;
      await this.sleep(this.delay());
      this.attempt++;
    }
  }

  private delay(): number {
    const min = this.options.minDelayMs ?? 250;
    const max = this.options.maxDelayMs ?? 5000;
    const ceiling = Math.min(max, min * 2 ** Math.min(this.attempt, 20));
    return Math.max(min / 2, Math.floor((this.options.random ?? Math.random)() * ceiling));
  }

  private async readOnce(): Promise<void> {
    const abort = new AbortController();
    this.abort = abort;
    const idleMs = this.options.idleTimeoutMs ?? 45_000;
    let idle = setTimeout(() => abort.abort(new Error('no data or ping within the idle timeout')), idleMs);
    try {
      const body = await this.client.openStream(KEY_EVENTS_PATH, abort.signal);
      const parser = new SseParser(({ event, data }) => this.dispatch(event, data));
      const reader = body.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        clearTimeout(idle);
        idle = setTimeout(() => abort.abort(new Error('no data or ping within the idle timeout')), idleMs);
        parser.push(decoder.decode(value, { stream: true }));
      }
    } finally {
      clearTimeout(idle);
      abort.abort();
    }
  }

  private dispatch(event: string, data: string): void {
    const parsed = parseKeyEvent(event, data);
    if (!parsed) {
      this.log.warn('ignored an unknown control plane key event', { event });
      return;
    }
    if (parsed.type === 'ready') {
      this.isConnected = true;
      this.attempt = 0;
      this.log.info('control plane key events connected');
    }
    this.onEvent(parsed);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

/** Validates one event of the contract; undefined for anything else. */
export function parseKeyEvent(event: string, data: string): KeyEvent | undefined {
  if (event === 'ready') return { type: 'ready' };
  let body: unknown;
  try {
    body = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const { appId, keyId, userId } = body as { appId?: unknown; keyId?: unknown; userId?: unknown };
  if (typeof appId !== 'string' || appId === '') return undefined;
  if (event === 'webhook-requeue') return parseRequeue(appId, body as Record<string, unknown>);
  if (event === 'app-deleted') return { type: 'app-deleted', appId };
  if (event === 'app-updated') return { type: 'app-updated', appId };
  if (event === 'user-revoked' && typeof userId === 'string' && userId !== '')
    return { type: 'user-revoked', appId, userId };
  if (event === 'revoke' && typeof keyId === 'string' && keyId !== '')
    return { type: 'revoke', appId, keyId };
  return undefined;
}

function parseRequeue(appId: string, body: Record<string, unknown>): WebhookRequeueEvent | undefined {
  const { endpointId, eventId, requestId } = body;
  const ok = (v: unknown): v is string => typeof v === 'string' && v !== '' && v.length <= 200;
  if (!ok(endpointId) || !ok(eventId) || !ok(requestId)) return undefined;
  return { type: 'webhook-requeue', appId, endpointId, eventId, requestId };
}
