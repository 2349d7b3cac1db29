import type { IncomingMessage } from 'node:http';
import { ErrorCode } from '@relaybox/protocol';
import { DaemonError } from './daemon-errors.js';

const MAX_BODY_BYTES = 16 * 1024;
export const MAX_REPLICAS = 16;
export const MAX_LOG_TAIL = 10_000;

/** Reads a small JSON object body; an empty body is `{}`. */
export async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      throw new DaemonError(413, ErrorCode.InvalidRequest, `request body exceeds ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid('request body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

/** An integer in [min, max], or `fallback` when absent. */
export function intInRange(
  name: string,
  value: unknown,
  min: number,
  max: number,
  fallback?: number,
): number | undefined {
  if (value === undefined || value === null || value === '') return fallback;
  const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw invalid(`${name} must be an integer from ${min} to ${max}`);
  }
  return n;
}

export function invalid(message: string): DaemonError {
  return new DaemonError(400, 'invalid_argument', message);
}
