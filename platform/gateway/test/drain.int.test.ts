import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { TestClient, wsUrl } from './harness.js';
import { type GatewayProcess, spawnGateway } from './processes.js';

// The SIGTERM sequence Kubernetes relies on (docs/deploy.md): readiness goes off first, connected
// clients are served through the drain delay, then closed with 4000 ("reconnect elsewhere"), and
// the process exits 0. Tested on the real process, signal included.
const DRAIN_DELAY_MS = 4000;
const running: GatewayProcess[] = [];
afterEach(() => {
  for (const gw of running.splice(0)) gw.proc.kill('SIGKILL');
});

async function probe(
  gw: GatewayProcess,
  path: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${gw.url}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function waitFor<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${what} not seen within ${timeoutMs} ms`);
}

describe('gateway drain on SIGTERM (readiness before 4000)', () => {
  it('answers /v1/ready 503 while clients are still connected, then closes them with 4000 and exits 0', async () => {
    const apiKey = `dev.default:${randomBytes(24).toString('base64url')}`;
    const gw = await spawnGateway({
      RELAYBOX_DEV_API_KEY: apiKey,
      RELAYBOX_DATA_DIR: `/tmp/relaybox-drain-${randomBytes(4).toString('hex')}`,
      RELAYBOX_DRAIN_DELAY_MS: String(DRAIN_DELAY_MS),
    });
    running.push(gw);
    expect(await probe(gw, '/v1/ready')).toMatchObject({
      status: 200,
      body: { status: 'ready', ready: true },
    });
    expect(await probe(gw, '/v1/live')).toMatchObject({ status: 200, body: { status: 'alive' } });
    const client = await TestClient.connect(wsUrl(gw.port), { apiKey, clientId: 'stays' });
    let sawUnready = false;
    let closedBeforeUnready = false;
    const closed = client.closed.then((info) => {
      closedBeforeUnready = !sawUnready;
      return info;
    });

    gw.proc.kill('SIGTERM');
    const unready = await waitFor(async () => {
      const reply = await probe(gw, '/v1/ready');
      return reply.status === 503 ? reply : undefined;
    }, '/v1/ready 503');
    sawUnready = true;
    expect(unready.body).toMatchObject({ status: 'leaving', ready: false, leaving: true });
    // Still served: the client is open and answers, liveness is still fine.
    expect(client.closeInfo).toBe('open');
    await client.ok({ type: 'join', room: 'still-served' });
    expect(await probe(gw, '/v1/live')).toMatchObject({ status: 200 });
    // A client arriving during the delay (a balancer that has not noticed yet) is still admitted.
    const late = await TestClient.connect(wsUrl(gw.port), { apiKey, clientId: 'late' });

    expect(await closed).toMatchObject({ code: 4000 });
    expect(closedBeforeUnready).toBe(false);
    expect(await late.closed).toMatchObject({ code: 4000 });
    expect(await gw.exited).toBe(0);
    expect(gw.output()).toContain('not ready');
  });
});
