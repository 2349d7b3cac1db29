/**
 * Fault injection on a local stack (`relaybox fault`, the daemon's `/api/faults`, the console's
 * Faults panel). The daemon parses a `FaultSpec` with `parseFaultSpec`, the engine applies it, and
 * every fault's start and end travel as `FaultRecord`s on the daemon's event stream and as
 * `fault.injected` / `fault.healed` trace events on the stack's traces timeline.
 */

export const FAULT_KINDS = [
  /** SIGKILL (native) or container kill (docker); the supervisor or the restart policy brings it back. */
  'gateway.kill',
  /** SIGSTOP/SIGCONT (native) or container pause/unpause (docker), for `durationMs`. */
  'gateway.pause',
  'worker.kill',
  'worker.restart',
  /** Closes every RabbitMQ connection of the stack (by connection name), once. */
  'broker.drop-connections',
  /** The broker is unreachable for `durationMs` (docker: container stop; native: every link cut). */
  'broker.stop',
  /** The links of `target` gateways to `link` services refuse and drop connections for `durationMs`. */
  'link.cut',
  /** The links of `target` gateways to `link` services get `latencyMs`, `jitterMs`, bandwidth, drops. */
  'link.slow',
  /** Closes one connection (`target` = connectionId) as if its token expired now (close 4101). */
  'client.expire-token',
  /**
   * One connection (`target` = connectionId) reads only `readBytesPerSec` for `durationMs`: its
   * gateway holds what it cannot deliver, so the slow-consumer policy (close 4001 past
   * `maxBufferedBytes`) applies to it alone; the room's other clients are not slowed.
   */
  'client.slow',
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

export const FAULT_LINKS = ['redis', 'amqp', 'all'] as const;
export type FaultLink = (typeof FAULT_LINKS)[number];

/** Bounds of a fault's fields; a value outside them is refused with `invalid_argument`. */
export const FAULT_LIMITS = {
  minDurationMs: 100,
  maxDurationMs: 600_000,
  /** Applied when a fault that lasts (pause, stop, cut, slow) is given no duration. */
  defaultDurationMs: 10_000,
  maxLatencyMs: 60_000,
  minBandwidthBytesPerSec: 64,
  /** client.slow: 0 = the client stops reading entirely. */
  maxReadBytesPerSec: 100_000_000,
  /** Faults active at once on one stack. */
  maxActive: 32,
} as const;

export interface FaultSpec {
  kind: FaultKind;
  /**
   * gateway.*: an instance (`gateway-1`) or `gateway` for every one; link.*: the same, default every
   * gateway; client.*: the connectionId. Unused by the other kinds.
   */
  target?: string;
  /** link.*: which services' links (default `all`). */
  link?: FaultLink;
  /** Auto-heal after this long (pause, stop, cut, slow; default `FAULT_LIMITS.defaultDurationMs`). */
  durationMs?: number;
  latencyMs?: number;
  jitterMs?: number;
  bandwidthBytesPerSec?: number;
  /** 0..1: the probability that a chunk resets its connection. */
  dropRate?: number;
  /** client.slow: bytes per second the client reads (default 0: it stops reading). */
  readBytesPerSec?: number;
}

export type FaultState = 'active' | 'healed' | 'failed';

/** One injected fault, as `GET /api/faults` lists it and the event stream reports its changes. */
export interface FaultRecord {
  id: string;
  spec: FaultSpec;
  engine: string;
  state: FaultState;
  /** Epoch ms. */
  startedAt: number;
  /** Epoch ms the fault ended (healed or failed). */
  endedAt?: number;
  /** What ended it: its duration, an operator's heal, the stack going down, or the fault completing. */
  endedBy?: 'timer' | 'heal' | 'down' | 'done';
  /** What the engine did (`SIGSTOP pid 123`), or why it failed. */
  detail?: string;
}

/** Kinds that last until healed (the others act once and end by themselves). */
export function faultLasts(kind: FaultKind): boolean {
  return (
    kind === 'gateway.pause' ||
    kind === 'broker.stop' ||
    kind === 'link.cut' ||
    kind === 'link.slow' ||
    kind === 'client.slow'
  );
}

/** A refused fault spec; `message` says which field and its bound. */
export class FaultSpecError extends Error {
  override readonly name = 'FaultSpecError';
  readonly code = 'invalid_argument';
}

/** Validates a fault spec from the wire: every field typed and within `FAULT_LIMITS`. */
export function parseFaultSpec(input: unknown): FaultSpec {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new FaultSpecError('a fault is a JSON object');
  const raw = input as Record<string, unknown>;
  const kind = raw.kind;
  if (typeof kind !== 'string' || !(FAULT_KINDS as readonly string[]).includes(kind))
    throw new FaultSpecError(`"kind" must be one of ${FAULT_KINDS.join(', ')}`);
  const spec: FaultSpec = { kind: kind as FaultKind };
  if (raw.target !== undefined) {
    if (typeof raw.target !== 'string' || !/^[A-Za-z0-9_.:-]{1,128}$/.test(raw.target))
      throw new FaultSpecError(
        '"target" must be a service name or connection id (1-128 of A-Z a-z 0-9 _ . : -)',
      );
    spec.target = raw.target;
  }
  if (kind.startsWith('client.') && spec.target === undefined)
    throw new FaultSpecError(`${kind} needs "target": the connection id`);
  if (raw.link !== undefined) {
    if (!(FAULT_LINKS as readonly unknown[]).includes(raw.link))
      throw new FaultSpecError(`"link" must be one of ${FAULT_LINKS.join(', ')}`);
    spec.link = raw.link as FaultLink;
  }
  const num = (name: keyof FaultSpec, min: number, max: number): void => {
    const value = raw[name];
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
      throw new FaultSpecError(`"${name}" must be a number from ${min} to ${max}`);
    (spec as unknown as Record<string, number>)[name] = value;
  };
  num('durationMs', FAULT_LIMITS.minDurationMs, FAULT_LIMITS.maxDurationMs);
  num('latencyMs', 0, FAULT_LIMITS.maxLatencyMs);
  num('jitterMs', 0, FAULT_LIMITS.maxLatencyMs);
  num('bandwidthBytesPerSec', FAULT_LIMITS.minBandwidthBytesPerSec, Number.MAX_SAFE_INTEGER);
  num('dropRate', 0, 1);
  num('readBytesPerSec', 0, FAULT_LIMITS.maxReadBytesPerSec);
  if (spec.readBytesPerSec !== undefined && kind !== 'client.slow')
    throw new FaultSpecError('"readBytesPerSec" applies to client.slow only');
  if (spec.readBytesPerSec !== undefined && !Number.isInteger(spec.readBytesPerSec))
    throw new FaultSpecError('"readBytesPerSec" must be a whole number of bytes per second');
  if (
    kind === 'link.slow' &&
    !spec.latencyMs &&
    !spec.jitterMs &&
    !spec.bandwidthBytesPerSec &&
    !spec.dropRate
  )
    throw new FaultSpecError(
      'link.slow needs at least one of latencyMs, jitterMs, bandwidthBytesPerSec, dropRate',
    );
  return spec;
}

/** One line for logs, the CLI and the timeline: `link.slow gateway-1 amqp latency 200 ms for 5000 ms`. */
export function describeFault(spec: FaultSpec): string {
  const parts: string[] = [spec.kind];
  if (spec.target) parts.push(spec.target);
  if (spec.kind.startsWith('link.')) parts.push(spec.link ?? 'all');
  if (spec.latencyMs) parts.push(`latency ${spec.latencyMs} ms`);
  if (spec.jitterMs) parts.push(`jitter ${spec.jitterMs} ms`);
  if (spec.bandwidthBytesPerSec) parts.push(`${spec.bandwidthBytesPerSec} B/s`);
  if (spec.dropRate) parts.push(`drop ${spec.dropRate}`);
  if (spec.kind === 'client.slow') parts.push(`reads ${spec.readBytesPerSec ?? 0} B/s`);
  if (faultLasts(spec.kind)) parts.push(`for ${spec.durationMs ?? FAULT_LIMITS.defaultDurationMs} ms`);
  return parts.join(' ');
}

/**
 * Body of `POST /v1/admin/connections/:id/slow` (what a gateway applies for `client.slow`): the
 * read rate and how long it lasts; the owning gateway ends it by itself after `durationMs`.
 */
export interface SlowClientRequest {
  readBytesPerSec: number;
  durationMs: number;
}

/** Validates a `SlowClientRequest` with the bounds of `parseFaultSpec`. */
export function parseSlowClientRequest(input: unknown): SlowClientRequest {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new FaultSpecError('the body is a JSON object { readBytesPerSec, durationMs }');
  const { readBytesPerSec = 0, durationMs = FAULT_LIMITS.defaultDurationMs } = input as Record<
    string,
    unknown
  >;
  const spec = parseFaultSpec({ kind: 'client.slow', target: 'x', readBytesPerSec, durationMs });
  return { readBytesPerSec: spec.readBytesPerSec ?? 0, durationMs: spec.durationMs as number };
}
