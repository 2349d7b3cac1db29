/**
 * The guarantee verifier (`relaybox verify`, the daemon's `POST /api/verify`, the console's Verify
 * page): a workload runs on the local stack while a fault plan runs, and the report says, per room,
 * what the app saw. Produced by `@relaybox/orchestrator`, rendered by the CLI and the console.
 */
import { describeFault, type FaultRecord } from './faults.js';

export const VERIFY_PLANS = [
  'none',
  'gateway-kill',
  'broker-outage',
  'redis-latency',
  'network-flap',
] as const;
export type VerifyPlan = (typeof VERIFY_PLANS)[number];

export const VERIFY_LIMITS = {
  maxClients: 200,
  maxRooms: 50,
  /** Messages per second per room. */
  maxRatePerRoom: 200,
  minDurationMs: 2000,
  maxDurationMs: 300_000,
  defaults: { clients: 12, rooms: 3, ratePerRoom: 10, durationMs: 10_000 },
} as const;

export interface VerifyRequest {
  plan: VerifyPlan;
  clients: number;
  rooms: number;
  ratePerRoom: number;
  durationMs: number;
}

export interface RoomReport {
  room: string;
  /** Publish attempts (one per message, retries with the same idempotency key count once). */
  published: number;
  acked: number;
  /** Publishes never acknowledged (refused until the deadline): not expected anywhere. */
  unacked: number;
  /** Deliveries expected: acked messages × subscribers of the room. */
  expected: number;
  delivered: number;
  /** Expected deliveries that never happened (per subscriber). */
  lost: number;
  duplicated: number;
  outOfOrder: number;
  reconnects: number;
  /** Reconnects that resumed the same connection (rooms and missed messages back). */
  resumes: number;
  discontinuities: number;
  /** ms from the end of the fault plan until every subscriber's presence view matched; null: never within the bound. */
  presenceConvergedMs: number | null;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
}

/** An acknowledged message that some subscriber never received: where to look. */
export interface LostMessage {
  room: string;
  messageId: string;
  seq: number;
  /** clientIds that missed it. */
  missedBy: string[];
  /** The console's trace view of the message (`<origin>/console/traces/<messageId>`). */
  traceUrl: string;
}

export interface VerifyReport {
  request: VerifyRequest;
  engine: string;
  gateways: number;
  startedAt: number;
  endedAt: number;
  /** `pass`: 0 lost and 0 duplicated in every room. */
  verdict: 'pass' | 'fail';
  faults: FaultRecord[];
  rooms: RoomReport[];
  /** At most 200, the first lost first. */
  lostMessages: LostMessage[];
  /** Delivered messages per second over the run (for the chart), one bucket per second. */
  deliveredPerSecond: number[];
}

/** A refused verify request; `message` names the field and its bound. */
export class VerifyRequestError extends Error {
  override readonly name = 'VerifyRequestError';
  readonly code = 'invalid_argument';
}

/** Validates a verify request from the wire, filling in the defaults. */
export function parseVerifyRequest(input: unknown): VerifyRequest {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new VerifyRequestError('a verify request is a JSON object');
  const raw = input as Record<string, unknown>;
  const plan = raw.plan ?? 'none';
  if (!(VERIFY_PLANS as readonly unknown[]).includes(plan))
    throw new VerifyRequestError(`"plan" must be one of ${VERIFY_PLANS.join(', ')}`);
  const int = (name: keyof VerifyRequest, min: number, max: number, fallback: number): number => {
    const value = raw[name] ?? fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
      throw new VerifyRequestError(`"${name}" must be an integer from ${min} to ${max}`);
    return value;
  };
  const d = VERIFY_LIMITS.defaults;
  const rooms = int('rooms', 1, VERIFY_LIMITS.maxRooms, d.rooms);
  const clients = int('clients', 2, VERIFY_LIMITS.maxClients, d.clients);
  if (clients < rooms * 2)
    throw new VerifyRequestError('"clients" must be at least twice "rooms" (2 per room)');
  return {
    plan: plan as VerifyPlan,
    clients,
    rooms,
    ratePerRoom: int('ratePerRoom', 1, VERIFY_LIMITS.maxRatePerRoom, d.ratePerRoom),
    durationMs: int('durationMs', VERIFY_LIMITS.minDurationMs, VERIFY_LIMITS.maxDurationMs, d.durationMs),
  };
}

/** The report as Markdown (`relaybox verify --markdown`, the console's export): tables and trace links. */
export function reportToMarkdown(report: VerifyReport): string {
  const { request } = report;
  const lines = [
    `# RelayBox guarantee verifier: ${report.verdict === 'pass' ? 'PASS' : 'FAIL'}`,
    '',
    `Plan **${request.plan}** on the ${report.engine} engine (${report.gateways} gateway(s)): ` +
      `${request.clients} clients over ${request.rooms} rooms, ${request.ratePerRoom} msg/s per room for ` +
      `${request.durationMs / 1000} s, started ${new Date(report.startedAt).toISOString()}.`,
    '',
    '## Faults',
    '',
    ...(report.faults.length === 0
      ? ['None.']
      : report.faults.map(
          (f) =>
            `- \`${f.id}\` ${describeFault(f.spec)}: ${f.state}${f.endedAt ? ` after ${f.endedAt - f.startedAt} ms` : ''}${f.detail ? ` (${f.detail})` : ''}`,
        )),
    '',
    '## Rooms',
    '',
    '| room | published | acked | unacked | delivered/expected | lost | duplicated | out of order | reconnects | resumes | discontinuities | presence converged | p50 | p99 |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...report.rooms.map(
      (r) =>
        `| ${r.room} | ${r.published} | ${r.acked} | ${r.unacked} | ${r.delivered}/${r.expected} | ${r.lost} | ${r.duplicated} | ${r.outOfOrder} | ${r.reconnects} | ${r.resumes} | ${r.discontinuities} | ${ms(r.presenceConvergedMs)} | ${ms(r.latencyP50Ms)} | ${ms(r.latencyP99Ms)} |`,
    ),
    '',
  ];
  if (report.lostMessages.length > 0) {
    lines.push(
      '## Lost messages',
      '',
      '| room | seq | message | missed by | trace |',
      '|---|---|---|---|---|',
    );
    for (const m of report.lostMessages)
      lines.push(
        `| ${m.room} | ${m.seq} | \`${m.messageId}\` | ${m.missedBy.length} client(s) | [trace](${m.traceUrl}) |`,
      );
    lines.push('');
  }
  return lines.join('\n');
}

function ms(value: number | null): string {
  return value === null ? 'n/a' : `${value} ms`;
}
