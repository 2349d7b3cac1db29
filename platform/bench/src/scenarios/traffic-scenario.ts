import type { Cluster } from '../cluster.js';
import { Histogram } from '../histogram.js';
import type { ClientKind } from '../load/client-socket.js';
import type { ConnectTarget } from '../load/connection.js';
import type { ConnectResult, PublishReport, WorkerReport } from '../load/load-worker.js';
import { type LoadWorker, spawnLoadWorkers } from '../load-pool.js';
import { nowMicros, PAYLOAD_BYTES } from '../payload.js';
import {
  type CpuSample,
  cpuDelta,
  readCpu,
  readMachineBusyMicros,
  readPeakRss,
  sumCpu,
} from '../proc-stats.js';
import { findServicePids, readServiceCpu, type ServiceName } from '../service-cpu.js';
import { sleep } from '../timeout.js';
import { connectCommand } from './connect-command.js';
import { type CpuWindow, computeTrafficRow, missingDeliveries, type TrafficRow } from './traffic-result.js';

export interface TrafficConfig {
  scenario: 'chat' | 'broadcast' | 'hot';
  rooms: number;
  subscribersPerRoom: number;
  /** Publisher connections per room (default 1). */
  publishersPerRoom?: number;
  /** Bytes of JSON per message (default PAYLOAD_BYTES, 128). */
  payloadBytes?: number;
  /** Aggregate publish rate, messages per second, spread round-robin over every publisher. */
  rate: number;
  warmupMs: number;
  measureMs: number;
  drainMs: number;
  /**
   * --quick: after `drainMs`, keep waiting (up to this long in all) while deliveries are still
   * missing, so a slow moment of a loaded machine is not reported as loss. Unset: exactly `drainMs`.
   */
  drainMaxMs?: number;
  /** Quiet time between the last connect and the start of publishing (default 500 ms). */
  settleMs?: number;
  subscriberWorkers: number;
  client: ClientKind;
}

const CONNECT_TIMEOUT_MS = 20_000;
const CONNECT_CONCURRENCY = 50;

/** A phase name is prefixed to any error thrown inside it, so a failed row says where it failed. */
async function phase<T>(name: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new Error(`${name}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function connectAll(
  cluster: Cluster,
  workers: LoadWorker[],
  targetsByWorker: ConnectTarget[][],
  role: 'sub' | 'pub',
  client: ClientKind,
): Promise<void> {
  const results = await Promise.all(
    workers.map((worker, w) => {
      const targets = targetsByWorker[w] ?? [];
      const command = connectCommand(cluster, role, targets, client, {
        concurrency: CONNECT_CONCURRENCY,
        timeoutMs: CONNECT_TIMEOUT_MS,
      });
      return worker.request<ConnectResult>(command, 30_000 + targets.length * 20);
    }),
  );
  const failed = results.reduce((sum, r) => sum + r.failed, 0);
  if (failed > 0) {
    const total = failed + results.reduce((sum, r) => sum + r.connected, 0);
    const errors = [...new Set(results.flatMap((r) => r.errors))].slice(0, 3).join('; ');
    throw new Error(`${failed} of ${total} ${role} connections failed (${errors})`);
  }
}

/** Runs `sample` at absolute time `atMicros` (µs of CLOCK_MONOTONIC). */
function sampleAt<T>(atMicros: number, sample: () => T): Promise<T> {
  return new Promise((resolve) =>
    setTimeout(() => resolve(sample()), Math.max(0, (atMicros - nowMicros()) / 1000)),
  );
}

type ServiceCpu = Partial<Record<ServiceName, CpuSample | null>>;

/** Per service the row uses: its CPU over the window, null when it could not be read at both edges. */
function serviceDeltas(services: ServiceName[], start: ServiceCpu, end: ServiceCpu): ServiceCpu {
  const out: ServiceCpu = {};
  for (const s of services) out[s] = cpuDelta(start[s] ?? null, end[s] ?? null);
  return out;
}

/** chat / broadcast / hot room: fixed-rate publishing into rooms, every subscriber counting what it gets. */
export async function runTraffic(cluster: Cluster, config: TrafficConfig): Promise<TrafficRow> {
  const [subs, pubs] = await phase('start load workers', () =>
    Promise.all([spawnLoadWorkers('sub', config.subscriberWorkers), spawnLoadWorkers('pub', 1)]),
  );
  const workers = [...subs, ...pubs];
  try {
    const roomName = (r: number): string => `bench:${config.scenario}:${r}`;
    const subTargets: ConnectTarget[][] = subs.map(() => []);
    for (let r = 0; r < config.rooms; r++) {
      for (let j = 0; j < config.subscribersPerRoom; j++) {
        const g = r * config.subscribersPerRoom + j;
        const hostPort = cluster.hostPorts[g % cluster.hostPorts.length]!;
        subTargets[g % subs.length]!.push({ hostPort, room: roomName(r), clientId: `sub-${g}` });
      }
    }
    // Publisher i publishes in room i mod rooms, so round-robin sending spreads over the rooms.
    const pubCount = config.rooms * (config.publishersPerRoom ?? 1);
    const pubTargets = Array.from({ length: pubCount }, (_, i) => ({
      hostPort: cluster.hostPorts[0]!,
      room: roomName(i % config.rooms),
      clientId: `pub-${i}`,
    }));
    await phase('connect subscribers', () => connectAll(cluster, subs, subTargets, 'sub', config.client));
    await phase('connect publishers', () => connectAll(cluster, pubs, [pubTargets], 'pub', config.client));
    await sleep(config.settleMs ?? 500);

    const start = nowMicros() + 300_000;
    const windowStart = start + config.warmupMs * 1000;
    const windowEnd = windowStart + config.measureMs * 1000;
    await phase('arm subscribers', () =>
      Promise.all(subs.map((w) => w.request({ cmd: 'window', start: windowStart, end: windowEnd }, 5000))),
    );
    const pids = cluster.pids;
    const workerPids = workers.map((w) => w.pid);
    const servicePids = findServicePids(cluster.spec.services);
    type Sample = [CpuSample | null, CpuSample | null, number | null, ServiceCpu];
    const readAll = (): Sample => [
      sumCpu(pids.map(readCpu)),
      sumCpu(workerPids.map(readCpu)),
      readMachineBusyMicros(),
      readServiceCpu(servicePids),
    ];
    const cpuStart = sampleAt(windowStart, readAll);
    const cpuEnd = sampleAt(windowEnd, readAll);
    const plan = {
      rate: config.rate,
      start,
      end: windowEnd,
      windowStart,
      windowEnd,
      payloadBytes: config.payloadBytes ?? PAYLOAD_BYTES,
    };
    const publishTimeout = (windowEnd - nowMicros()) / 1000 + 15_000;
    const published = await phase('publish', () =>
      pubs[0]!.request<PublishReport>({ cmd: 'publish', plan }, publishTimeout),
    );
    const [[serverStart, genStart, busyStart, svcStart], [serverEnd, genEnd, busyEnd, svcEnd]] =
      await Promise.all([cpuStart, cpuEnd]);
    await sleep(config.drainMs);
    await phase('server died', async () => cluster.assertAlive());
    const collect = () =>
      phase('collect reports', () =>
        Promise.all(workers.map((w) => w.request<WorkerReport>({ cmd: 'report' }, 10_000))),
      );
    let reports = await collect();
    const drainDeadline = Date.now() + Math.max(0, (config.drainMaxMs ?? 0) - config.drainMs);
    while (missingDeliveries(config, published, reports) > 0 && Date.now() < drainDeadline) {
      await sleep(100);
      reports = await collect();
    }
    const cpu: CpuWindow = {
      server: cpuDelta(serverStart, serverEnd),
      generator: cpuDelta(genStart, genEnd),
      machineBusyMicros: busyStart === null || busyEnd === null ? null : busyEnd - busyStart,
      services: serviceDeltas(cluster.spec.services, svcStart, svcEnd),
      seconds: config.measureMs / 1000,
    };
    const histogram = new Histogram();
    for (const r of reports) histogram.add(r.receive.histogram, r.receive.maxLatencyMicros);
    return computeTrafficRow({
      config,
      published,
      reports,
      histogram,
      cpu,
      peakRssBytes: readPeakRss(pids),
    });
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
}
