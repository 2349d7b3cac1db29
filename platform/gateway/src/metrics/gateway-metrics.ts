import type { BrokerState, OtlpExporterStats } from '@relaybox/core';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';

const BROKER_STATES = [
  'connecting',
  'connected',
  'disconnected',
  'closed',
] as const satisfies readonly BrokerState[];

type CounterField = 'published' | 'delivered' | 'bytesIn' | 'bytesOut' | 'opened';
type GaugeField = 'connections' | 'roomsActive';

/** One app's figures on this gateway: plain numbers, so the hot paths are a Map lookup and an add. */
interface AppFigures extends Record<CounterField | GaugeField, number> {
  readonly labels: { app: string };
  /** Counter totals already handed to prom-client (it only takes increments). */
  readonly exported: Record<CounterField, number>;
}

export interface GatewayMetricsOptions {
  /** Read at scrape time for `relaybox_broker_state`. Without it the gauge has no series. */
  brokerState?: () => BrokerState;
  /** Read at scrape time for the `relaybox_otel_*` counters; no series without it (export off). */
  otelStats?: () => OtlpExporterStats;
  /** Adds the `process_*` / `nodejs_*` metrics of prom-client. Default true. */
  processMetrics?: boolean;
}

let processRegistry: Registry | undefined;

/**
 * prom-client's default metrics describe the process, and each collector installs a GC observer and
 * an event-loop monitor it never removes: collect them once per process and share them between the
 * gateways of a process (tests run several).
 */
function sharedProcessRegistry(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * The Prometheus metrics of one gateway, in a registry of its own (never prom-client's global one,
 * so several gateways can live in one process).
 *
 * The recording methods are called on hot paths (every publish, every broker delivery): each is one
 * Map lookup and a few additions to plain numbers, with no allocation once the app was seen.
 * prom-client's label children would hash the label object on every call, so the figures are handed
 * to prom-client only at scrape time (`collect`), O(apps) per scrape. App labels stay for the life of
 * the process: their number is bounded by the apps the gateway serves.
 */
export class GatewayMetrics {
  /** Every metric `/metrics` shows: this gateway's, plus the shared process metrics. */
  readonly registry: Registry;
  private readonly own = new Registry();
  private readonly apps = new Map<string, AppFigures>();
  private readonly refused: Counter<'code'>;

  constructor(options: GatewayMetricsOptions = {}) {
    const registers = [this.own];
    this.gauge('relaybox_connections', 'Open WebSocket connections on this gateway.', 'connections');
    this.gauge(
      'relaybox_rooms_active',
      'Rooms with at least one local subscriber on this gateway.',
      'roomsActive',
    );
    this.counter(
      'relaybox_messages_published_total',
      'Messages published through this gateway (WebSocket and REST), idempotent retries excluded.',
      'published',
    );
    this.counter(
      'relaybox_messages_delivered_total',
      'Messages delivered to local subscribers: one per subscriber per message.',
      'delivered',
    );
    this.counter(
      'relaybox_connections_opened_total',
      'WebSocket connections opened on this gateway (resumes included).',
      'opened',
    );
    this.counter('relaybox_bytes_in_total', 'Payload bytes of published messages.', 'bytesIn');
    this.counter(
      'relaybox_bytes_out_total',
      'Payload bytes delivered to local subscribers (payload size x deliveries).',
      'bytesOut',
    );
    this.refused = new Counter({
      name: 'relaybox_upgrades_refused_total',
      help: 'WebSocket upgrades refused, by error code.',
      labelNames: ['code'],
      registers,
    });
    const { brokerState } = options;
    new Gauge({
      name: 'relaybox_broker_state',
      help: 'State of the connection to the broker: 1 for the current state, 0 for the others.',
      labelNames: ['state'],
      registers,
      collect() {
        if (!brokerState) return;
        const current = brokerState();
        for (const state of BROKER_STATES) this.set({ state }, state === current ? 1 : 0);
      },
    });
    if (options.otelStats) registerOtelCounters(options.otelStats, registers);
    // Merging copies the metrics registered so far: every metric above is in `own` by now.
    this.registry =
      (options.processMetrics ?? true) ? Registry.merge([sharedProcessRegistry(), this.own]) : this.own;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of every metric of this gateway (and of the process). */
  metricsText(): Promise<string> {
    return this.registry.metrics();
  }

  connectionOpened(appId: string): void {
    const app = this.app(appId);
    app.connections++;
    app.opened++;
  }

  connectionClosed(appId: string): void {
    this.app(appId).connections--;
  }

  /** A room got its first local subscriber (the hub bound it). */
  roomActivated(appId: string): void {
    this.app(appId).roomsActive++;
  }

  /** A room lost its last local subscriber. */
  roomDeactivated(appId: string): void {
    this.app(appId).roomsActive--;
  }

  /** One message accepted and handed to the broker (not an idempotent retry). */
  published(appId: string, payloadBytes: number): void {
    const app = this.app(appId);
    app.published++;
    app.bytesIn += payloadBytes;
  }

  /** One broker message fanned out locally to `deliveries` subscribers. */
  delivered(appId: string, deliveries: number, payloadBytes: number): void {
    const app = this.app(appId);
    app.delivered += deliveries;
    app.bytesOut += deliveries * payloadBytes;
  }

  /** Cumulative per-app figures for usage reporting (cloud mode): O(apps). */
  usageTotals(): Array<{ appId: string; connectionsOpened: number; messages: number; concurrent: number }> {
    return [...this.apps.values()].map((app) => ({
      appId: app.labels.app,
      connectionsOpened: app.opened,
      messages: app.published,
      concurrent: app.connections,
    }));
  }

  /** A refused upgrade (cold path: prom-client directly). */
  upgradeRefused(code: string): void {
    this.refused.inc({ code });
  }

  private app(appId: string): AppFigures {
    let app = this.apps.get(appId);
    if (!app) {
      app = {
        labels: { app: appId },
        connections: 0,
        roomsActive: 0,
        published: 0,
        delivered: 0,
        bytesIn: 0,
        bytesOut: 0,
        opened: 0,
        exported: { published: 0, delivered: 0, bytesIn: 0, bytesOut: 0, opened: 0 },
      };
      this.apps.set(appId, app);
    }
    return app;
  }

  private gauge(name: string, help: string, field: GaugeField): void {
    const apps = this.apps;
    new Gauge({
      name,
      help,
      labelNames: ['app'],
      registers: [this.own],
      collect() {
        for (const app of apps.values()) this.set(app.labels, app[field]);
      },
    });
  }

  private counter(name: string, help: string, field: CounterField): void {
    const apps = this.apps;
    new Counter({
      name,
      help,
      labelNames: ['app'],
      registers: [this.own],
      collect() {
        for (const app of apps.values()) {
          this.inc(app.labels, app[field] - app.exported[field]);
          app.exported[field] = app[field];
        }
      },
    });
  }
}

const OTEL_COUNTERS: ReadonlyArray<[keyof OtlpExporterStats, string, string]> = [
  ['exported', 'relaybox_otel_spans_exported_total', 'OpenTelemetry spans the OTLP endpoint accepted.'],
  [
    'dropped',
    'relaybox_otel_spans_dropped_total',
    'OpenTelemetry spans dropped because the export queue was full.',
  ],
  ['failed', 'relaybox_otel_spans_failed_total', 'OpenTelemetry spans lost in failed export requests.'],
  ['failedRequests', 'relaybox_otel_export_failures_total', 'Failed OTLP export requests.'],
];

/** The exporter's counters, read at scrape time (prom-client counters only take increments). */
function registerOtelCounters(stats: () => OtlpExporterStats, registers: Registry[]): void {
  for (const [field, name, help] of OTEL_COUNTERS) {
    let seen = 0;
    new Counter({
      name,
      help,
      registers,
      collect() {
        const value = stats()[field];
        if (value > seen) this.inc(value - seen);
        seen = value;
      },
    });
  }
}
