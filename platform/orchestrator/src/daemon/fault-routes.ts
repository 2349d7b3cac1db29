import type { IncomingMessage } from 'node:http';
import { ErrorCode } from '@relaybox/protocol';
import type { Engine } from '../engine.js';
import { DaemonError } from './daemon-errors.js';
import { readJsonBody } from './daemon-input.js';

type Result = { json: unknown };

/**
 * `/api/faults` (DAEMON_API.md): `GET` lists active and recent faults, `POST` injects one
 * (`FaultSpec` body; answers its record once in effect), `POST /api/faults/:id/heal` ends one.
 * Injections run one at a time with the other stack changes (`serial`); heals too.
 */
export async function faultRoute(
  engine: Engine,
  method: string,
  path: string,
  req: IncomingMessage,
  serial: <T>(fn: () => Promise<T>) => Promise<T>,
): Promise<Result> {
  if (path === '/api/faults') {
    if (method === 'GET') return { json: { items: engine.faults.list() } };
    if (method === 'POST') {
      const body = await readJsonBody(req);
      return { json: await serial(() => engine.faults.inject(body as never)) };
    }
    throw new DaemonError(405, ErrorCode.MethodNotAllowed, 'use GET or POST');
  }
  const heal = /^\/api\/faults\/([A-Za-z0-9_-]{1,64})\/heal$/.exec(path);
  if (!heal) throw new DaemonError(404, ErrorCode.NotFound, `no daemon route ${method} ${path}`);
  if (method !== 'POST') throw new DaemonError(405, ErrorCode.MethodNotAllowed, 'use POST');
  const id = heal[1]!;
  return { json: await serial(() => engine.faults.heal(id)) };
}
