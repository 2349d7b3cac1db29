import {
  type CloudLog,
  ControlPlaneClient,
  type ControlPlaneOptions,
  ControlPlaneUnavailableError,
  SILENT_LOG,
} from './control-plane-client.js';

/** Cumulative figures of one app on this gateway (counters only grow; `concurrent` is current). */
export interface AppUsageTotals {
  appId: string;
  connectionsOpened: number;
  messages: number;
  concurrent: number;
}

/** One line of `POST /internal/v1/usage`: what happened in one period. */
export interface UsageItem {
  appId: string;
  /** End of the period, ms since the epoch. */
  ts: number;
  /** New connections in the period. */
  connections: number;
  /** Messages published in the period. */
  messages: number;
  /** Open connections at the end of the period. */
  concurrent: number;
}

export interface UsageReporterOptions extends ControlPlaneOptions {
  nodeId: string;
  /** Reads this gateway's cumulative per-app figures. */
  read: () => Iterable<AppUsageTotals>;
  /** Default 10 s. */
  periodMs?: number;
  /** Items kept while the control plane is unreachable; the oldest are dropped beyond. Default 10 000. */
  maxBufferedItems?: number;
  log?: CloudLog;
  now?: () => number;
}

export const USAGE_PATH = '/internal/v1/usage';

/**
 * Reports per-app usage of this gateway to the control plane every period, as one batch. A failed
 * report is kept and sent with the next one (bounded: the oldest items go first), and logged.
 * Apps with nothing to report in a period (no new connection, no message, none open) are skipped.
 */
export class UsageReporter {
  private readonly client: ControlPlaneClient;
  private readonly last = new Map<string, AppUsageTotals>();
  private buffer: UsageItem[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly log: CloudLog;
  private readonly now: () => number;
  /** Items dropped because the buffer was full, since the last successful report. */
  dropped = 0;

  constructor(private readonly options: UsageReporterOptions) {
    this.client = new ControlPlaneClient(options);
    this.log = options.log ?? SILENT_LOG;
    this.now = options.now ?? Date.now;
  }

  /** Items waiting to be sent. */
  get pending(): number {
    return this.buffer.length;
  }

  start(): this {
    this.timer ??= setInterval(() => void this.report(), this.options.periodMs ?? 10_000);
    this.timer.unref();
    return this;
  }

  /** Stops the timer and makes a last attempt to send what is left. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.report();
  }

  /** Closes one period and sends every pending item. Never throws; one report at a time. */
  report(): Promise<void> {
    this.running ??= this.sendPeriod().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async sendPeriod(): Promise<void> {
    this.collect();
    if (this.buffer.length === 0) return;
    const items = this.buffer;
    try {
      await this.client.postJson(USAGE_PATH, { nodeId: this.options.nodeId, items });
      this.buffer = [];
      this.dropped = 0;
    } catch (error) {
      if (error instanceof ControlPlaneUnavailableError && isRefusal(error.status)) {
        // Retrying the same batch cannot succeed: drop it rather than block every later report.
        this.log.warn('usage report refused by the control plane; dropped', {
          status: error.status,
          items: items.length,
        });
        this.buffer = [];
        return;
      }
      this.log.warn('usage report failed; kept for the next period', {
        error: String(error),
        pending: this.buffer.length,
        dropped: this.dropped,
      });
    }
  }

  private collect(): void {
    const ts = this.now();
    for (const totals of this.options.read()) {
      const before = this.last.get(totals.appId);
      this.last.set(totals.appId, { ...totals });
      const connections = Math.max(0, totals.connectionsOpened - (before?.connectionsOpened ?? 0));
      const messages = Math.max(0, totals.messages - (before?.messages ?? 0));
      if (connections === 0 && messages === 0 && totals.concurrent === 0) continue;
      this.buffer.push({ appId: totals.appId, ts, connections, messages, concurrent: totals.concurrent });
    }
    const max = this.options.maxBufferedItems ?? 10_000;
    if (this.buffer.length > max) {
      this.dropped += this.buffer.length - max;
      this.buffer = this.buffer.slice(this.buffer.length - max);
    }
  }
}

/** 4xx other than auth, timeout and rate limiting: the batch itself is wrong. */
const isRefusal = (status: number | undefined) =>
  status !== undefined && status >= 400 && status < 500 && ![401, 403, 408, 429].includes(status);
