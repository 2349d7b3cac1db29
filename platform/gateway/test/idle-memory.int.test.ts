import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { deleteRedisKeys, REDIS_URL } from '@relaybox/adapters/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { TestClient, uniqueName, wsUrl } from './harness.js';
import { type GatewayProcess, spawnGateway } from './processes.js';

/**
 * What an idle connection retains on the gateway's heap (issue 15: ≤ 3 KB RSS per idle connection
 * at 19,000). Heap bytes after a forced GC are deterministic to a few percent, unlike RSS, so this
 * is a bound, not a timing: ~1.3 KB per connection today; the per-connection closures, pino child
 * loggers and empty Maps that regressed it made it ~6 KB.
 */
const CONNECTIONS = 2000;
const WARM_UP = 200;
const MAX_HEAP_BYTES_PER_CONNECTION = 2.5 * 1024;
const PROBE = fileURLToPath(new URL('./heap-probe.mjs', import.meta.url));

const apiKey = `idlemem.default:${randomBytes(18).toString('base64url')}`;
// Sessions in Redis, as the bench's gateway keeps them (the embedded store would hold them in this heap).
const prefix = `${uniqueName('test.idlemem')}:`;
let gw: GatewayProcess | undefined;
const clients: TestClient[] = [];

afterAll(async () => {
  for (const c of clients) c.ws.terminate();
  gw?.proc.kill('SIGKILL');
  await gw?.exited;
  await deleteRedisKeys(prefix);
});

async function connect(port: number, count: number): Promise<void> {
  const start = clients.length;
  for (let i = 0; i < count; i += 50) {
    const batch = Array.from({ length: Math.min(50, count - i) }, (_, j) =>
      TestClient.connect(wsUrl(port), { apiKey, clientId: `idle-${start + i + j}` }),
    );
    clients.push(...(await Promise.all(batch)));
  }
}

/** The gateway's live heap (outside code space) after a forced GC, read from its next `heap-probe` line. */
async function liveHeap(g: GatewayProcess): Promise<number> {
  const seen = g.output().length;
  g.proc.kill('SIGUSR2');
  for (;;) {
    const line = /heap-probe (\d+)/.exec(g.output().slice(seen));
    if (line) return Number(line[1]);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('idle connections', () => {
  it(`retain at most ${MAX_HEAP_BYTES_PER_CONNECTION} heap bytes each (${CONNECTIONS} open)`, async () => {
    // A retry starts from a gateway and clients of its own.
    for (const c of clients.splice(0)) c.ws.terminate();
    gw?.proc.kill('SIGKILL');
    gw = await spawnGateway(
      {
        RELAYBOX_DEV_API_KEY: apiKey,
        RELAYBOX_DATA_DIR: `/tmp/relaybox-idlemem-${randomBytes(4).toString('hex')}`,
        RELAYBOX_STORE: 'redis',
        RELAYBOX_REDIS_URL: REDIS_URL,
        RELAYBOX_REDIS_PREFIX: prefix,
        RELAYBOX_LIMITS: JSON.stringify({
          connectionRatePerSecond: 1_000_000,
          connectionBurst: 1_000_000,
          maxConnectionsPerApp: 1_000_000,
        }),
      },
      30_000,
      ['--expose-gc', '--import', PROBE],
    );
    // The first connections load and warm the upgrade path: they are not what a connection holds.
    await connect(gw.port, WARM_UP);
    const before = await liveHeap(gw);
    await connect(gw.port, CONNECTIONS);
    const after = await liveHeap(gw);
    const perConnection = (after - before) / CONNECTIONS;
    expect(perConnection, `${Math.round(perConnection)} bytes per idle connection`).toBeLessThan(
      MAX_HEAP_BYTES_PER_CONNECTION,
    );
  }, 180_000);
});
