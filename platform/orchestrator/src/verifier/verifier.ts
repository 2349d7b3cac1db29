import { randomBytes } from 'node:crypto';
import {
  type FaultRecord,
  type LostMessage,
  parseVerifyRequest,
  type RoomReport,
  type VerifyReport,
  type VerifyRequest,
} from '@relaybox/protocol';
import { type Engine, OrchestratorError } from '../engine.js';
import { type PlanStep, planSteps } from './verify-plans.js';
import { presenceChurn, publishLoop, type RoomRecord, startClient, type WorkloadClient } from './workload.js';

export interface VerifyTarget {
  engine: Engine;
  /** The stack's dev API key: the workload's clients authenticate with it. */
  devApiKey: string;
}

/** How long a run waits for every gateway to be ready (e.g. one still reconnecting after a fault). */
const READY_WAIT_MS = 30_000;

/**
 * The stack's status once every gateway is ready. A run started beside a gateway that is still
 * recovering from the previous plan's fault would spread its clients over fewer gateways and
 * measure that recovery, not its own plan. Not ready within `READY_WAIT_MS`: `service_unhealthy`.
 */
async function gatewaysReady(engine: Engine): Promise<Awaited<ReturnType<Engine['status']>>> {
  const deadline = Date.now() + READY_WAIT_MS;
  for (;;) {
    const status = await engine.status();
    if (status.state !== 'running' && status.state !== 'degraded')
      throw new OrchestratorError('stack_not_running', 'start the stack first (relaybox up)');
    const waiting = status.services.filter(
      (s) => s.service === 'gateway' && s.state !== 'healthy' && s.state !== 'running',
    );
    if (waiting.length === 0) return status;
    if (Date.now() > deadline) {
      const names = waiting.map((s) => `${s.name} is ${s.state}${s.detail ? ` (${s.detail})` : ''}`);
      throw new OrchestratorError(
        'service_unhealthy',
        `the verifier needs every gateway ready: ${names.join(', ')}; wait for it or restart it`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** After publishing stops: how long deliveries may still arrive, and presence may take to agree. */
const DRAIN_MS = 15_000;
const PRESENCE_BOUND_MS = 45_000;
const MAX_LOST_LISTED = 200;

/**
 * Runs the guarantee verifier on a running stack: N clients over M rooms spread over every
 * gateway, each room published into at a fixed rate with presence churn, while the plan's faults
 * are injected through the engine; then reports per room what the app saw (see `VerifyReport`).
 */
export async function runVerify(target: VerifyTarget, input: unknown): Promise<VerifyReport> {
  const request = parseVerifyRequest(input);
  const status = await gatewaysReady(target.engine);
  const gatewayUrls = status.services
    .filter((s) => s.service === 'gateway')
    .map((s) => /port (\d+)/.exec(s.detail ?? '')?.[1])
    .filter((port): port is string => port !== undefined)
    .map((port) => `ws://127.0.0.1:${port}/v1/ws`);
  const urls = gatewayUrls.length > 0 ? gatewayUrls : [status.endpoints.websocket];
  const runId = randomBytes(4).toString('hex');
  const startedAt = Date.now();
  const perSecond: number[] = [];
  const records = await startClients(request, urls, target.devApiKey, runId, startedAt, perSecond);
  const all = records.flatMap((r) => r.clients);
  const faults: FaultRecord[] = [];
  try {
    const publishStart = Date.now();
    const until = publishStart + request.durationMs;
    const stopChurn = presenceChurn(all, 1000);
    const plan = runPlan(
      target.engine,
      planSteps(request.plan, request.durationMs),
      publishStart,
      request.durationMs,
      all,
      faults,
    );
    await Promise.all(
      records.map((record) =>
        publishLoop(record, { rate: request.ratePerRoom, until, ackDeadline: until + DRAIN_MS, runId }),
      ),
    );
    await plan;
    await stopChurn();
    await drain(records);
    const presence = await presenceConvergence(records);
    const rooms = records.map((r) => roomReport(r, presence.get(r.room) ?? null));
    const lostMessages = lost(records, status.endpoints.console);
    return {
      request,
      engine: target.engine.name,
      gateways: urls.length,
      startedAt,
      endedAt: Date.now(),
      verdict: rooms.every((r) => r.lost === 0 && r.duplicated === 0) ? 'pass' : 'fail',
      faults: faults.map((f) => target.engine.faults.list().find((g) => g.id === f.id) ?? f),
      rooms,
      lostMessages,
      deliveredPerSecond: Array.from(perSecond, (v) => v ?? 0),
    };
  } finally {
    await Promise.allSettled(all.map((c) => c.relay.close()));
  }
}

async function startClients(
  request: VerifyRequest,
  urls: string[],
  apiKey: string,
  runId: string,
  startedAt: number,
  perSecond: number[],
): Promise<RoomRecord[]> {
  const records: RoomRecord[] = Array.from({ length: request.rooms }, (_, i) => ({
    room: `verify:${runId}:${i + 1}`,
    clients: [],
    published: 0,
    acked: [],
    unacked: 0,
    latencies: [],
  }));
  const started = await Promise.all(
    Array.from({ length: request.clients }, (_, i) => {
      const record = records[i % request.rooms]!;
      // Client i joins room i mod M and starts on gateway (i div M) mod G, so every room has
      // subscribers and publishers on every gateway; the other gateways are its failover list.
      const first = Math.floor(i / request.rooms) % urls.length;
      return startClient({
        clientId: `verify-${runId}-${i + 1}`,
        room: record.room,
        urls: [...urls.slice(first), ...urls.slice(0, first)],
        apiKey,
        runId,
        startedAt,
        perSecond,
        latencies: record.latencies,
      }).then((client) => ({ record, client }));
    }),
  );
  for (const { record, client } of started) record.clients.push(client);
  return records;
}

async function runPlan(
  engine: Engine,
  steps: PlanStep[],
  start: number,
  durationMs: number,
  clients: WorkloadClient[],
  faults: FaultRecord[],
): Promise<void> {
  for (const step of steps) {
    const wait = start + step.at * durationMs - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if ('fault' in step) {
      faults.push(await engine.faults.inject(step.fault));
      continue;
    }
    const count = Math.max(1, Math.round(clients.length * step.flap.fraction));
    const flapping = clients.slice(0, count);
    for (let i = 0; i < step.flap.times; i++) {
      for (const client of flapping) client.flap();
      await new Promise((resolve) => setTimeout(resolve, step.flap.everyMs));
    }
  }
  // Lasting faults end by themselves (their duration fits the window); wait for them to.
  const deadline = Date.now() + 60_000;
  while (faults.some((f) => engine.faults.list().find((g) => g.id === f.id)?.state === 'active')) {
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until every client holds every acked message of its room, at most `DRAIN_MS`. */
async function drain(records: RoomRecord[]): Promise<void> {
  const deadline = Date.now() + DRAIN_MS;
  const complete = () => records.every((r) => r.clients.every((c) => r.acked.every((m) => c.seen.has(m.id))));
  while (!complete() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
}

/** ms until every client's presence view of its room lists exactly the room's clients; null past the bound. */
async function presenceConvergence(records: RoomRecord[]): Promise<Map<string, number | null>> {
  const start = Date.now();
  const result = new Map<string, number | null>();
  await Promise.all(
    records.map(async (record) => {
      const expected = record.clients
        .map((c) => c.clientId)
        .sort()
        .join(',');
      while (Date.now() - start < PRESENCE_BOUND_MS) {
        const views = await Promise.all(
          record.clients.map((c) =>
            c.handle.presence.get().then(
              (members) => [...new Set(members.map((m) => m.clientId))].sort().join(','),
              () => '',
            ),
          ),
        );
        if (views.every((v) => v === expected)) {
          result.set(record.room, Date.now() - start);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      result.set(record.room, null);
    }),
  );
  return result;
}

function roomReport(record: RoomRecord, presenceConvergedMs: number | null): RoomReport {
  let delivered = 0;
  let duplicated = 0;
  let lostCount = 0;
  for (const client of record.clients) {
    for (const count of client.seen.values()) {
      delivered++;
      duplicated += count - 1;
    }
    for (const message of record.acked) if (!client.seen.has(message.id)) lostCount++;
  }
  const sorted = [...record.latencies].sort((a, b) => a - b);
  const pct = (p: number) =>
    sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  const sum = (pick: (c: WorkloadClient) => number) => record.clients.reduce((n, c) => n + pick(c), 0);
  return {
    room: record.room,
    published: record.published,
    acked: record.acked.length,
    unacked: record.unacked,
    expected: record.acked.length * record.clients.length,
    delivered,
    lost: lostCount,
    duplicated,
    outOfOrder: sum((c) => c.outOfOrder),
    reconnects: sum((c) => c.reconnects),
    resumes: sum((c) => c.resumes),
    discontinuities: sum((c) => c.discontinuities),
    presenceConvergedMs,
    latencyP50Ms: pct(0.5),
    latencyP99Ms: pct(0.99),
  };
}

function lost(records: RoomRecord[], consoleUrl: string): LostMessage[] {
  const out: LostMessage[] = [];
  for (const record of records) {
    for (const message of [...record.acked].sort((a, b) => a.seq - b.seq)) {
      const missedBy = record.clients.filter((c) => !c.seen.has(message.id)).map((c) => c.clientId);
      if (missedBy.length === 0 || out.length >= MAX_LOST_LISTED) continue;
      out.push({
        room: record.room,
        messageId: message.id,
        seq: message.seq,
        missedBy,
        traceUrl: `${consoleUrl}/traces/${encodeURIComponent(message.id)}`,
      });
    }
  }
  return out;
}
