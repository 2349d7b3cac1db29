import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RelayBoxRest } from '@relaybox/rest';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/start-gateway.js';
import { ALPHA_FULL, apiKeyOf, sleep, startTestGateway, uniqueName, writeAppsFile } from '../harness.js';
import { spawnWorker, type WorkerProcess } from '../processes.js';
import { stopProcess } from './cluster.js';

// Chaos: the worker process that delivers webhooks is SIGKILLed while deliveries are in flight at
// the receiver. A second worker takes the interrupted jobs up once their lock runs out
// (RELAYBOX_JOB_LOCK_MS); every event must arrive at least once, with the same event id every time.
interface Try {
  eventId: string;
  bodyId: string;
  seq: number;
  /** The receiver answered 204 and the response was sent completely. */
  completed: boolean;
}

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.allSettled(cleanups.splice(0).map((c) => c()));
});

/** Records every try; answers after `delayMs`, so that some are always in flight. */
async function slowReceiver(delayMs: number): Promise<{ url: string; tries: Try[]; inFlight: Set<Try> }> {
  const tries: Try[] = [];
  const inFlight = new Set<Try>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      const event = JSON.parse(body) as { id: string; data: { seq: number } };
      const entry: Try = {
        eventId: String(req.headers['x-relaybox-event-id']),
        bodyId: event.id,
        seq: event.data.seq,
        completed: false,
      };
      tries.push(entry);
      inFlight.add(entry);
      res.on('close', () => inFlight.delete(entry));
      res.on('finish', () => {
        entry.completed = true;
      });
      setTimeout(() => {
        if (!res.destroyed) res.writeHead(204).end();
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  server.unref();
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, tries, inFlight };
}

async function until(check: () => boolean, what: string, timeoutMs = 40_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('chaos: the webhook worker killed mid-delivery', () => {
  it('every event is delivered at least once, with the same event id on every try', {
    timeout: 90_000,
  }, async () => {
    const receiver = await slowReceiver(300);
    const appsFile = writeAppsFile([
      {
        id: 'chaos',
        url: receiver.url,
        secret: 'chaos-webhook-secret-0001',
        events: ['message.published'],
        rooms: ['hooked:>'],
      },
    ]);
    const env = {
      RELAYBOX_STORE: 'redis',
      RELAYBOX_REDIS_PREFIX: `${uniqueName('test')}:`,
      RELAYBOX_CONFIG: appsFile,
      RELAYBOX_JOB_LOCK_MS: '1500',
      RELAYBOX_WEBHOOK_BASE_DELAY_MS: '100',
    };
    // This gateway only enqueues; the worker processes deliver.
    const gw: RunningGateway = await startTestGateway({
      store: 'redis',
      redisPrefix: env.RELAYBOX_REDIS_PREFIX,
      env: { ...env, RELAYBOX_WORKERS: 'none' },
    });
    cleanups.push(() => gw.shutdown());
    const workers: WorkerProcess[] = [];
    cleanups.push(() => Promise.all(workers.map(stopProcess)));
    workers.push(await spawnWorker(env, 'webhook'));

    const count = 60;
    const room = `hooked:${uniqueName('w')}`;
    const rest = new RelayBoxRest({ apiKey: apiKeyOf(ALPHA_FULL), url: gw.url });
    for (let n = 1; n <= count; n++) await rest.publish(room, 'n', n);

    await until(() => receiver.inFlight.size >= 5, 'deliveries in flight');
    workers[0]!.proc.kill('SIGKILL');
    await workers[0]!.exited;
    // Tries whose answer the dead worker never read (a try answered just before the kill is not one).
    await until(() => receiver.inFlight.size === 0, "the dead worker's connections to close");
    const interrupted = receiver.tries.filter((t) => !t.completed);
    workers.push(await spawnWorker(env, 'webhook'));

    const completedSeqs = () => new Set(receiver.tries.filter((t) => t.completed).map((t) => t.seq));
    await until(() => completedSeqs().size === count, `all ${count} events delivered`);

    const idsBySeq = new Map<number, Set<string>>();
    for (const t of receiver.tries) idsBySeq.set(t.seq, (idsBySeq.get(t.seq) ?? new Set()).add(t.eventId));
    const triesOf = (eventId: string) => receiver.tries.filter((t) => t.eventId === eventId);
    console.log(
      `chaos worker: ${count} events, ${receiver.tries.length} tries, ${interrupted.length} tries cut by the kill, ` +
        `${[...idsBySeq.keys()].filter((s) => receiver.tries.filter((t) => t.seq === s).length > 1).length} delivered more than once`,
    );
    expect([...completedSeqs()].sort((a, b) => a - b)).toEqual(
      Array.from({ length: count }, (_, i) => i + 1),
    );
    expect([...idsBySeq.values()].filter((ids) => ids.size !== 1)).toEqual([]);
    expect(receiver.tries.filter((t) => t.eventId !== t.bodyId)).toEqual([]);
    // What the killed worker had in flight was tried again (at least once), and completed, under the same id.
    expect(interrupted.length).toBeGreaterThan(0);
    for (const t of interrupted) {
      expect(triesOf(t.eventId).filter((again) => again.completed).length).toBeGreaterThanOrEqual(1);
    }
  });
});
