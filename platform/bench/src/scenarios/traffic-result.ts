import type { Histogram } from '../histogram.js';
import type { PublishReport, WorkerReport } from '../load/load-worker.js';
import type { CpuSample } from '../proc-stats.js';
import type { ServiceName } from '../service-cpu.js';
import type { TrafficConfig } from './traffic-scenario.js';

export interface CpuWindow {
  server: CpuSample | null;
  generator: CpuSample | null;
  /** Busy time of the whole machine over the window, µs (all cores). */
  machineBusyMicros: number | null;
  /** CPU of each shared service the row uses (Redis, RabbitMQ) over the window; null if unreadable. */
  services: Partial<Record<ServiceName, CpuSample | null>>;
  seconds: number;
}

/** One server's figures for chat or broadcast. Rates are per second of the measurement window. */
export interface TrafficRow {
  subscribers: number;
  /** Publish rate the schedule called for, and the rate actually sent (messages/s). */
  offeredMsgRate: number;
  sentMsgRate: number;
  skipped: number;
  /** offeredMsgRate × subscribers per room: the deliveries/s a perfect server would make. */
  offeredDeliveryRate: number;
  /** Deliveries received inside the window, per second. */
  sustainedDeliveryRate: number;
  /** Deliveries expected for messages sent inside the window, and how many of those never arrived. */
  expectedDeliveries: number;
  lost: number;
  outOfOrder: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  /** Server CPU (all node processes, all threads) per delivery in the window, µs. */
  userMicrosPerDelivery: number | null;
  systemMicrosPerDelivery: number | null;
  totalMicrosPerDelivery: number | null;
  /**
   * Redis's and RabbitMQ's CPU (whole service processes) per delivery in the window, µs;
   * undefined when the row does not use the service, null when it could not be read.
   */
  redisMicrosPerDelivery?: number | null;
  rabbitmqMicrosPerDelivery?: number | null;
  /** Server plus every service the row uses, per delivery, µs: what the platform costs. */
  platformMicrosPerDelivery: number | null;
  /** Server CPU use over the window, % of one core (summed over nodes). */
  serverCpuPercent: number | null;
  /** Load-generator CPU over the window, % of one core: high values mean it competed for the cores. */
  generatorCpuPercent: number | null;
  /**
   * Everything else on the machine over the window, % of one core: Redis and RabbitMQ (which
   * two-node rows use), the orchestrator, and any unrelated workload. High values in a row that
   * needs neither broker mean the figures were disturbed.
   */
  otherCpuPercent: number | null;
  /** Raw CPU figures of the window, µs: server process(es) and load generator. */
  serverCpu: CpuSample | null;
  generatorCpu: CpuSample | null;
  serviceCpu: Partial<Record<ServiceName, CpuSample | null>>;
  /** VmHWM, summed over nodes. */
  peakRssBytes: number | null;
  publishAcks: number;
  publishRejections: number;
  /** Unexpected closes, socket errors and error frames seen by the load generator. */
  problems: number;
  problemSamples: string[];
}

export interface TrafficInputs {
  config: TrafficConfig;
  published: PublishReport;
  reports: WorkerReport[];
  histogram: Histogram;
  cpu: CpuWindow;
  peakRssBytes: number | null;
}

const ms = (micros: number): number => micros / 1000;

/** Deliveries of messages sent in the window that no subscriber has reported yet. */
export function missingDeliveries(
  config: Pick<TrafficConfig, 'subscribersPerRoom'>,
  published: Pick<PublishReport, 'sentInWindow'>,
  reports: WorkerReport[],
): number {
  const sent = published.sentInWindow.reduce((a, b) => a + b, 0);
  const received = reports.reduce((sum, r) => sum + r.receive.perPublisher.reduce((a, b) => a + b, 0), 0);
  return sent * config.subscribersPerRoom - received;
}

export function computeTrafficRow(input: TrafficInputs): TrafficRow {
  const { config, published, reports, histogram, cpu } = input;
  const seconds = config.measureMs / 1000;
  const sentInWindow = published.sentInWindow.reduce((a, b) => a + b, 0);
  const expectedDeliveries = sentInWindow * config.subscribersPerRoom;
  let receivedForWindow = 0;
  let deliveredInWindow = 0;
  let outOfOrder = 0;
  for (const r of reports) {
    receivedForWindow += r.receive.perPublisher.reduce((a, b) => a + b, 0);
    deliveredInWindow += r.receive.receivedInWindow;
    outOfOrder += r.receive.outOfOrder;
  }
  const perDelivery = (micros: number | undefined): number | null =>
    micros === undefined || deliveredInWindow === 0 ? null : micros / deliveredInWindow;
  const server = cpu.server;
  const serverTotal = server ? server.userMicros + server.systemMicros : undefined;
  const gen = cpu.generator;
  const services = serviceFigures(cpu.services, serverTotal, perDelivery);
  return {
    subscribers: config.rooms * config.subscribersPerRoom,
    offeredMsgRate: published.offeredInWindow / seconds,
    sentMsgRate: sentInWindow / seconds,
    skipped: published.skipped,
    offeredDeliveryRate: (published.offeredInWindow / seconds) * config.subscribersPerRoom,
    sustainedDeliveryRate: deliveredInWindow / seconds,
    expectedDeliveries,
    lost: expectedDeliveries - receivedForWindow,
    outOfOrder,
    p50Ms: ms(histogram.quantile(0.5)),
    p99Ms: ms(histogram.quantile(0.99)),
    p999Ms: ms(histogram.quantile(0.999)),
    maxMs: ms(histogram.max),
    userMicrosPerDelivery: perDelivery(server?.userMicros),
    systemMicrosPerDelivery: perDelivery(server?.systemMicros),
    totalMicrosPerDelivery: perDelivery(serverTotal),
    ...services,
    serverCpuPercent: serverTotal === undefined ? null : serverTotal / 1e4 / seconds,
    generatorCpuPercent: gen ? (gen.userMicros + gen.systemMicros) / 1e4 / seconds : null,
    otherCpuPercent:
      cpu.machineBusyMicros === null || serverTotal === undefined || !gen
        ? null
        : Math.max(0, cpu.machineBusyMicros - serverTotal - gen.userMicros - gen.systemMicros) /
          1e4 /
          seconds,
    serverCpu: server,
    generatorCpu: gen,
    serviceCpu: cpu.services,
    peakRssBytes: input.peakRssBytes,
    publishAcks: reports.reduce((sum, r) => sum + r.acks, 0),
    publishRejections: reports.reduce((sum, r) => sum + r.rejections, 0),
    problems: reports.reduce((sum, r) => sum + r.problems, 0),
    problemSamples: [...new Set(reports.flatMap((r) => r.problemSamples))].slice(0, 5),
  };
}

type ServiceFigures = Pick<
  TrafficRow,
  'redisMicrosPerDelivery' | 'rabbitmqMicrosPerDelivery' | 'platformMicrosPerDelivery'
>;

/**
 * Per-delivery CPU of each service the row uses and the platform total (server + services).
 * The total is null when the server's or any used service's CPU is unknown: an unreadable
 * service must not make the platform look cheaper.
 */
export function serviceFigures(
  services: CpuWindow['services'],
  serverTotal: number | undefined,
  perDelivery: (micros: number | undefined) => number | null,
): ServiceFigures {
  const out: ServiceFigures = { platformMicrosPerDelivery: null };
  let platform = serverTotal;
  for (const [name, sample] of Object.entries(services) as [ServiceName, CpuSample | null][]) {
    const micros = sample ? sample.userMicros + sample.systemMicros : undefined;
    out[name === 'redis' ? 'redisMicrosPerDelivery' : 'rabbitmqMicrosPerDelivery'] = perDelivery(micros);
    platform = platform === undefined || micros === undefined ? undefined : platform + micros;
  }
  out.platformMicrosPerDelivery = perDelivery(platform);
  return out;
}
