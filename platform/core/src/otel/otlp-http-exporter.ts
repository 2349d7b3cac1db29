import { encodeOtlpTraces, type OtlpKeyValue, otlpAttributes } from './otlp-json.js';
import { PARENT_BASED_ALWAYS_ON, type Sampler } from './sampler.js';
import type { SpanRecord, SpanSink } from './span.js';

export interface OtlpHttpExporterOptions {
  /** The traces URL, e.g. `http://otel-collector:4318/v1/traces`. */
  url: string;
  /** Extra request headers (`OTEL_EXPORTER_OTLP_HEADERS`), e.g. an API key of a hosted backend. */
  headers?: Readonly<Record<string, string>>;
  /** Resource attributes: `service.name`, `service.instance.id`, ... */
  resource: Readonly<Record<string, string>>;
  /** Spans held at most while the collector is slow or down; newer ones are dropped. Default 4096. */
  maxQueueSize?: number;
  /** Spans per request at most. Default 512. */
  maxBatchSize?: number;
  /** A partial batch is sent after this long. Default 1000 ms. */
  scheduledDelayMs?: number;
  /** One request's time limit. Default 10,000 ms. */
  timeoutMs?: number;
  /** Told about the first failure of a run of failures, and about the recovery after it. */
  onStatus?: (status: { ok: false; error: string } | { ok: true; afterFailures: number }) => void;
  fetch?: typeof fetch;
  /** Which new traces are recorded (default: parent-based, always on). */
  sampler?: Sampler;
}

/** Counters of an exporter (exposed on `/metrics`). */
export interface OtlpExporterStats {
  /** Spans the collector accepted. */
  exported: number;
  /** Spans dropped because the queue was full. */
  dropped: number;
  /** Spans lost in failed requests (a failed batch is not retried). */
  failed: number;
  /** Failed requests. */
  failedRequests: number;
}

export const OTEL_SCOPE = { name: 'relaybox', version: '0.1.0' } as const;

/**
 * A `SpanSink` that batches spans and POSTs them as OTLP/HTTP JSON.
 *
 * Costs and bounds: `record` pushes onto an array (bounded by `maxQueueSize`; a full queue drops the
 * span and counts it). A timer, or a full batch, sends at most `maxBatchSize` spans per request
 * with at most one request in flight; encoding happens off the emitting call. A failed request
 * (network error, timeout, non-2xx) loses its batch, counts it, and is reported once per run of
 * failures (`onStatus`), so a collector outage costs one log line, not one per batch.
 */
export class OtlpHttpExporter implements SpanSink {
  readonly on = true;
  readonly sampler: Sampler;
  readonly stats: OtlpExporterStats = { exported: 0, dropped: 0, failed: 0, failedRequests: 0 };
  private queue: SpanRecord[] = [];
  private readonly resource: OtlpKeyValue[];
  private readonly maxQueueSize: number;
  private readonly maxBatchSize: number;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;
  private readonly timer: NodeJS.Timeout;
  private inFlight: Promise<void> | undefined;
  private soon = false;
  private failuresInRow = 0;

  constructor(private readonly options: OtlpHttpExporterOptions) {
    this.resource = otlpAttributes(options.resource);
    this.sampler = options.sampler ?? PARENT_BASED_ALWAYS_ON;
    this.maxQueueSize = options.maxQueueSize ?? 4096;
    this.maxBatchSize = options.maxBatchSize ?? 512;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.fetchFn = options.fetch ?? fetch;
    this.timer = setInterval(() => void this.flush(), options.scheduledDelayMs ?? 1000);
    this.timer.unref();
  }

  record(span: SpanRecord): void {
    if (this.queue.length >= this.maxQueueSize) {
      this.stats.dropped++;
      return;
    }
    this.queue.push(span);
    if (this.queue.length >= this.maxBatchSize && !this.soon && !this.inFlight) {
      this.soon = true;
      setImmediate(() => {
        this.soon = false;
        void this.flush();
      });
    }
  }

  /** Spans waiting to be sent. */
  get queued(): number {
    return this.queue.length;
  }

  /** Sends one batch (after the request in flight, if any). */
  flush(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    if (this.queue.length === 0) return Promise.resolve();
    const batch =
      this.queue.length <= this.maxBatchSize ? this.queue : this.queue.slice(0, this.maxBatchSize);
    this.queue = batch === this.queue ? [] : this.queue.slice(this.maxBatchSize);
    this.inFlight = this.send(batch).finally(() => {
      this.inFlight = undefined;
      if (this.queue.length >= this.maxBatchSize) void this.flush();
    });
    return this.inFlight;
  }

  /** Stops the timer and sends what is queued (each request bounded by `timeoutMs`). */
  async shutdown(): Promise<void> {
    clearInterval(this.timer);
    if (this.inFlight) await this.inFlight;
    while (this.queue.length > 0) {
      const failedBefore = this.stats.failedRequests;
      await this.flush();
      if (this.stats.failedRequests > failedBefore) {
        this.stats.failed += this.queue.length;
        this.queue = [];
      }
    }
  }

  private async send(batch: SpanRecord[]): Promise<void> {
    let error: string | undefined;
    try {
      const body = encodeOtlpTraces(this.resource, OTEL_SCOPE, batch);
      const response = await this.fetchFn(this.options.url, {
        method: 'POST',
        headers: { ...this.options.headers, 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      // The body is read (and discarded) so the connection is reused.
      await response.arrayBuffer().catch(() => undefined);
      if (!response.ok) error = `the collector answered HTTP ${response.status}`;
    } catch (cause) {
      error = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    }
    if (error === undefined) {
      this.stats.exported += batch.length;
      if (this.failuresInRow > 0) this.options.onStatus?.({ ok: true, afterFailures: this.failuresInRow });
      this.failuresInRow = 0;
      return;
    }
    this.stats.failed += batch.length;
    this.stats.failedRequests++;
    if (this.failuresInRow++ === 0) this.options.onStatus?.({ ok: false, error });
  }
}
