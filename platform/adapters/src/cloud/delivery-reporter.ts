import {
  type CloudLog,
  ControlPlaneClient,
  type ControlPlaneOptions,
  SILENT_LOG,
} from './control-plane-client.js';

/** One webhook try as the control plane's delivery log stores it. */
export interface ReportedDeliveryAttempt {
  appId: string;
  endpointId: string;
  eventId: string;
  type: string;
  attempt: number;
  status?: number;
  error?: string;
  latencyMs: number;
  at: number;
}

export interface DeliveryReporterOptions extends ControlPlaneOptions {
  /** Default 2 s. */
  periodMs?: number;
  /** Tries kept while the control plane is unreachable; the oldest are dropped beyond. Default 5,000. */
  maxBuffered?: number;
  log?: CloudLog;
}

export const DELIVERIES_PATH = '/internal/v1/webhooks/deliveries';
/** Tries per request at most (the control plane refuses larger batches). */
export const MAX_REPORT_BATCH = 1000;

/**
 * Reports the webhook tries of this process to the control plane (cloud mode), so the dashboard's
 * delivery log shows real deliveries. Batched every period (never one request per try); a failed
 * batch is kept for the next period, bounded by `maxBuffered` (the oldest dropped). At most once
 * per try: a batch lost with the process is not reported (the Redis delivery log still has it).
 */
export class DeliveryReporter {
  private readonly client: ControlPlaneClient;
  private buffer: ReportedDeliveryAttempt[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly log: CloudLog;
  dropped = 0;

  constructor(private readonly options: DeliveryReporterOptions) {
    this.client = new ControlPlaneClient(options);
    this.log = options.log ?? SILENT_LOG;
  }

  report(attempt: ReportedDeliveryAttempt): void {
    this.buffer.push(attempt);
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
        await this.client.postJson(DELIVERIES_PATH, { items });
        this.buffer = this.buffer.slice(items.length);
      } catch (error) {
        this.log.warn('webhook delivery report failed; kept for the next period', {
          error: String(error),
          pending: this.buffer.length,
        });
        return;
      }
    }
  }
}
