import type { IncomingMessage } from 'node:http';
import { ErrorCode, type VerifyReport } from '@relaybox/protocol';
import type { Engine } from '../engine.js';
import { runVerify } from '../verifier/verifier.js';
import { DaemonError } from './daemon-errors.js';
import { readJsonBody } from './daemon-input.js';

/**
 * `POST /api/verify` runs the guarantee verifier (a `VerifyRequest` body) and answers its report
 * when done (seconds to minutes: the run's duration plus the drain); one run at a time.
 * `GET /api/verify` answers the last report (`{ report: null }` before the first run).
 */
export class VerifyRoute {
  private running = false;
  private last: VerifyReport | null = null;

  constructor(
    private readonly engine: Engine,
    private readonly devApiKey: () => string | undefined,
  ) {}

  async handle(method: string, req: IncomingMessage): Promise<{ json: unknown }> {
    if (method === 'GET') return { json: { report: this.last, running: this.running } };
    if (method !== 'POST') throw new DaemonError(405, ErrorCode.MethodNotAllowed, 'use GET or POST');
    const body = await readJsonBody(req);
    const devApiKey = this.devApiKey();
    if (!devApiKey)
      throw new DaemonError(
        409,
        'stack_not_running',
        'no stack started through this daemon: its dev key is unknown',
      );
    if (this.running) throw new DaemonError(409, 'invalid_argument', 'a verify run is already in progress');
    this.running = true;
    try {
      this.last = await runVerify({ engine: this.engine, devApiKey }, body);
      return { json: this.last };
    } finally {
      this.running = false;
    }
  }
}
