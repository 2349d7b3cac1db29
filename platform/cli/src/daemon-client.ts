import { findDaemon } from '@relaybox/orchestrator';
import type { CliContext } from './cli-context.js';
import { dataDirOf } from './cli-context.js';
import { CliError } from './cli-error.js';

/** Calls the daemon of the stack `relaybox up` runs in this directory; its error bodies become `CliError`s. */
export async function callDaemon<T>(
  context: CliContext,
  path: string,
  body?: unknown,
  timeoutMs = 60_000,
): Promise<T> {
  const found = await findDaemon(dataDirOf(context));
  if (!found)
    throw new CliError(
      'no stack with a local daemon runs in this directory: start one with `relaybox up` (in another terminal)',
    );
  const res = await fetch(`${found.daemon.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      authorization: `Bearer ${found.daemon.secret}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const parsed = (await res.json().catch(() => ({}))) as T & { error?: { code: string; message: string } };
  if (!res.ok) {
    const error = parsed.error;
    throw new CliError(error ? `${error.message} [${error.code}]` : `the daemon answered HTTP ${res.status}`);
  }
  return parsed;
}

/** `500`, `500ms`, `5s`, `2m` → milliseconds; undefined when absent. */
export function parseDuration(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined) return undefined;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(raw.trim());
  if (!match) throw new CliError(`${name} must be a duration like 500ms, 5s or 2m (got "${raw}")`);
  const n = Number(match[1]);
  return Math.round(match[2] === 's' ? n * 1000 : match[2] === 'm' ? n * 60_000 : n);
}

export function parseNumber(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new CliError(`${name} must be a number (got "${raw}")`);
  return n;
}
