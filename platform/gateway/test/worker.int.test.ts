import type { ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { RedisPresenceStore } from '@relaybox/adapters';
import { afterEach, describe, expect, it } from 'vitest';
import { ALPHA_FULL, apiKeyOf, sleep, TestClient, uniqueName, writeAppsFile, wsUrl } from './harness.js';
import { type GatewayProcess, runGatewayToExit, spawnGateway, spawnWorker } from './processes.js';

const children: ChildProcess[] = [];
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await Promise.allSettled(cleanups.splice(0).map((c) => c()));
});

/** One Redis command over RESP returning an integer (LLEN), without a client library in this package. */
function redisInteger(...args: string[]): Promise<number> {
  const command = `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
  return new Promise((resolve, reject) => {
    const socket = connect(6379, '127.0.0.1', () => socket.write(command));
    socket.setTimeout(2000, () => socket.destroy(new Error('redis timeout')));
    socket.once('data', (data) => {
      socket.end();
      const match = /^:(\d+)\r\n/.exec(data.toString());
      if (match) resolve(Number(match[1]));
      else reject(new Error(`unexpected reply ${data.toString()}`));
    });
    socket.once('error', reject);
  });
}

async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error('condition not met in time');
}

/** The JSON log lines of a process's output (other lines, such as the start banner, skipped). */
function logLines(output: string): Record<string, unknown>[] {
  return output.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

describe('worker role', () => {
  it('gateways with RELAYBOX_WORKERS=none only enqueue; a `worker sessions` process runs the dead-gateway sweep', {
    timeout: 60_000,
  }, async () => {
    const prefix = `${uniqueName('test')}:`;
    const env = {
      RELAYBOX_ENGINE: 'native',
      RELAYBOX_CONFIG: writeAppsFile(),
      RELAYBOX_AMQP_EXCHANGE: uniqueName('test.worker'),
      RELAYBOX_REDIS_PREFIX: prefix,
    };
    const gw: GatewayProcess = await spawnGateway({ ...env, RELAYBOX_WORKERS: 'none' });
    children.push(gw.proc);
    // A presence member of a gateway that never had a heartbeat: the sweep must remove it.
    const store = new RedisPresenceStore({ prefix });
    cleanups.push(() => store.close());
    const room = uniqueName('swept');
    await store.enter(
      'alpha',
      room,
      { clientId: 'ghost', connectionId: 'ghost-conn', data: null },
      'gw-dead',
    );
    const watcher = await TestClient.connect(wsUrl(gw.port), { apiKey: apiKeyOf(ALPHA_FULL), clientId: 'w' });
    cleanups.push(() => watcher.close());
    await watcher.ok({ type: 'join', room });
    await watcher.ok({ type: 'presence.subscribe', room });

    // The gateway enqueues the period's sweep, and nobody takes it.
    await waitUntil(async () => (await redisInteger('LLEN', `${prefix}bull:sessions:wait`)) > 0);
    expect((await store.members('alpha', room)).map((m) => m.clientId)).toEqual(['ghost']);

    const worker = await spawnWorker(env, 'sessions');
    children.push(worker.proc);
    await waitUntil(async () => (await store.members('alpha', room)).length === 0);
    // The sweep broadcast the member's leave through the broker (its delivery to presence
    // subscribers is the gateways' part, covered by failover.int.test.ts).
    await waitUntil(() =>
      logLines(worker.output()).some(
        (line) =>
          line.msg === 'swept dead gateway' && line.gatewayId === 'gw-dead' && line.presenceLeaves === 1,
      ),
    );
  });

  it('refuses an unknown queue name and the memory store with a clear message', async () => {
    const unknown = await runGatewayToExit({ RELAYBOX_ENGINE: 'native', RELAYBOX_WORKERS: 'none' }, [
      'worker',
      'sessions,email',
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.output).toMatch(/unknown worker queue "email"/);
    const memory = await runGatewayToExit({ RELAYBOX_ENGINE: 'embedded' }, ['worker']);
    expect(memory.code).toBe(1);
    expect(memory.output).toMatch(/RELAYBOX_STORE=redis/);
  });
});
