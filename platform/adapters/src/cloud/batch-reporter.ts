import {
  type CloudLog,
  ControlPlaneClient,
  type ControlPlaneOptions,
  SILENT_LOG,
} from './control-plane-client.js';

export interface BatchReporterOptions extends ControlPlaneOptions {
  /** Default 2 s. */
  periodMs?: number;
  /** Items kept while the control plane is unreachable; the oldest are dropped beyond. Default 5,000. */
  maxBuffered?: number;
  log?: CloudLog;
}

/** Items per request at most (the control plane refuses larger batches). */
export const MAX_REPORT_BATCH = 1000;

/**
 * Reports items to one internal route of the control plane as `{ items }`, batched every period
 * (never one request per item), in the order they were reported. A failed batch is kept for the
 * next period, bounded by `maxBuffered` (the oldest dropped). Never throws and never blocks the
 * caller: at most once per item (a batch lost with the process is not reported).
 */
export class BatchReporter<T> {
  private readonly client: ControlPlaneClient;
  private buffer: T[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly log: CloudLog;
  dropped = 0;

  constructor(
    private readonly path: string,
    private readonly what: string,
    private readonly options: BatchReporterOptions,
  ) {
    this.client = new ControlPlaneClient(options);
    this.log = options.log ?? SILENT_LOG;
  }

  report(item: T): void {
    this.buffer.push(item);
    const max = this.options.maxBuffered ?? 5000;
    if (this.buffer.length > max) {
      this.dropped += this.buffer.length - max;
      this.buffer = this.buffer.slice(this.buffer.length - max);
    }
  }

  start(): this {
    this.timer ??= setInterval(() => void this.flush(), this.options.periodMs ?? 2000);
    this.timer.unref();
    return this;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /** Sends what is buffered, in batches of at most `MAX_REPORT_BATCH`. Never throws. */
  flush(): Promise<void> {
    this.running ??= this.send().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async send(): Promise<void> {
    while (this.buffer.length > 0) {
      const items = this.buffer.slice(0, MAX_REPORT_BATCH);
      try {
        await this.client.postJson(this.path, { items });
        this.buffer = this.buffer.slice(items.length);
      } catch (error) {
        this.log.warn(`${this.what} report failed; kept for the next period`, {
          error: String(error),
          pending: this.buffer.length,
        });
        return;
      }
    }
  }
}
