/**
 * The benchmark payload: a JSON object serialised to exactly PAYLOAD_BYTES bytes,
 * `{"t":<send time, µs of CLOCK_MONOTONIC>,"p":<publisher>,"s":<seq>,"x":"<padding>"}`.
 * CLOCK_MONOTONIC is shared by every process on the machine, so a receiver in another process
 * computes end-to-end latency as its own `nowMicros()` minus `t`.
 */
export const PAYLOAD_BYTES = 128;
const PADDING = 'x'.repeat(PAYLOAD_BYTES);

export function nowMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/**
 * Serialises the payload (the `data` value of a message) to exactly `bytes` bytes (default
 * PAYLOAD_BYTES); longer only when the fields alone exceed it (a 64-byte payload has room for
 * a 16-digit time and 8-digit seq).
 */
export function payloadJson(
  sentMicros: number,
  publisher: number,
  seq: number,
  bytes = PAYLOAD_BYTES,
): string {
  const head = `{"t":${sentMicros},"p":${publisher},"s":${seq},"x":"`;
  const pad = bytes - head.length - 2;
  return `${head}${PADDING.slice(0, Math.max(0, pad))}"}`;
}

export interface PayloadFields {
  t: number;
  p: number;
  s: number;
}

const T_KEY = Buffer.from('"t":');
const P_KEY = Buffer.from('"p":');
const S_KEY = Buffer.from('"s":');

function digitsAt(buf: Buffer, from: number): number {
  let value = 0;
  let i = from;
  for (; i < buf.length; i++) {
    const c = buf[i]!;
    if (c < 48 || c > 57) break;
    value = value * 10 + (c - 48);
  }
  return i === from ? -1 : value;
}

/**
 * Reads t/p/s out of a raw frame (the bare payload, or a protocol envelope that embeds it
 * unchanged) without JSON.parse or UTF-8 decoding, so the receiving side stays cheap.
 * Writes into `out` and returns false when the frame carries no payload (acks, heartbeats).
 */
export function scanPayload(buf: Buffer, out: PayloadFields): boolean {
  const ti = buf.indexOf(T_KEY);
  if (ti < 0) return false;
  const pi = buf.indexOf(P_KEY, ti);
  const si = buf.indexOf(S_KEY, ti);
  if (pi < 0 || si < 0) return false;
  out.t = digitsAt(buf, ti + 4);
  out.p = digitsAt(buf, pi + 4);
  out.s = digitsAt(buf, si + 4);
  return out.t >= 0 && out.p >= 0 && out.s >= 0;
}

/** Same as scanPayload for a payload that the client library already parsed (Socket.IO). */
export function readPayload(data: unknown, out: PayloadFields): boolean {
  if (typeof data !== 'object' || data === null) return false;
  const d = data as Record<string, unknown>;
  if (typeof d.t !== 'number' || typeof d.p !== 'number' || typeof d.s !== 'number') return false;
  out.t = d.t;
  out.p = d.p;
  out.s = d.s;
  return true;
}
