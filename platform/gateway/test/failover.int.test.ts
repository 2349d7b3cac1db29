import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RelayBox } from '@relaybox/client';
import { RelayBoxRest } from '@relaybox/rest';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ALPHA_FULL, apiKeyOf, sleep, TestClient, uniqueName, writeAppsFile, wsUrl } from './harness.js';
import { type GatewayProcess, runGatewayToExit, spawnGateway } from './processes.js';

const procs: GatewayProcess[] = [];
afterEach(() => {
  for (const p of procs.splice(0)) p.proc.kill('SIGKILL');
});

async function nativeCluster(n: number): Promise<GatewayProcess[]> {
  const env = {
    RELAYBOX_ENGINE: 'native',
    RELAYBOX_CONFIG: writeAppsFile(),
    RELAYBOX_AMQP_EXCHANGE: uniqueName('test.proc'),
    RELAYBOX_REDIS_PREFIX: `${uniqueName('test')}:`,
    RELAYBOX_LOG_LEVEL: 'info',
  };
  const started = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      spawnGateway({ ...env, RELAYBOX_NODE_ID: `p${i}-${env.RELAYBOX_AMQP_EXCHANGE.slice(-8)}` }),
    ),
  );
  procs.push(...started);
  return started;
}

describe('gateway processes', () => {
  it('SIGKILL of a gateway: its SDK clients reconnect to another gateway and re-join their rooms', async () => {
    const [g1, g2] = await nativeCluster(2);
    const room = uniqueName('failover');
    const relay = new RelayBox({
      url: [wsUrl(g1!.port), wsUrl(g2!.port)],
      apiKey: apiKeyOf(ALPHA_FULL),
      clientId: 'roamer',
      WebSocket: WebSocket as never,
      minReconnectDelayMs: 50,
      maxReconnectDelayMs: 200,
    });
    const received: unknown[] = [];
    await relay.connect();
    const firstConnection = relay.connectionId;
    const roomHandle = await relay.join(room);
    roomHandle.subscribe('n', (msg) => received.push(msg.data));
    const rest = new RelayBoxRest({ apiKey: apiKeyOf(ALPHA_FULL), url: g2!.url });
    await waitUntil(async () => {
      await rest.publish(room, 'n', 'before');
      return received.includes('before');
    });

    let dropped = false;
    relay.connection.on('statechange', ({ current }) => {
      if (current !== 'connected') dropped = true;
    });
    g1!.proc.kill('SIGKILL');
    await waitUntil(async () => dropped && relay.connection.state === 'connected');
    // g1's heartbeat is still live, yet the session is taken over (the newest connection wins).
    expect(relay.connectionId).toBe(firstConnection);
    await waitUntil(async () => {
      await rest.publish(room, 'n', 'after');
      return received.includes('after');
    });
    expect(received[0]).toBe('before');
    await relay.close();
    expect(relay.connection.state).toBe('closed');
  });

  it('SIGKILL of a gateway: its presence members are removed (leave broadcast) within 30 s', {
    timeout: 45_000,
  }, async () => {
    const [g1, g2] = await nativeCluster(2);
    const room = uniqueName('ghost');
    const watcher = await TestClient.connect(wsUrl(g2!.port), {
      apiKey: apiKeyOf(ALPHA_FULL),
      clientId: 'watcher',
    });
    await watcher.ok({ type: 'join', room });
    await watcher.ok({ type: 'presence.subscribe', room });
    const member = await TestClient.connect(wsUrl(g1!.port), {
      apiKey: apiKeyOf(ALPHA_FULL),
      clientId: 'ghost',
    });
    await member.ok({ type: 'join', room });
    await member.ok({ type: 'presence', room, action: 'enter' });
    await watcher.waitFor((f) => f.type === 'presence' && f.action === 'enter');
    const killedAt = Date.now();
    g1!.proc.kill('SIGKILL');
    await watcher
      .waitFor((f) => f.type === 'presence' && f.action === 'leave', 30_000)
      .catch((error: unknown) => {
        // The surviving gateway's log says whether the sweep ran and what it found.
        throw new Error(`${String(error)}\nsurviving gateway output:\n${g2!.output()}`);
      });
    expect(Date.now() - killedAt).toBeLessThan(30_000);
    const left = (await watcher.ok({ type: 'presence.get', room })).result as { members: unknown[] };
    expect(left.members).toEqual([]);
    await watcher.close();
  });

  it('SIGTERM drains: clients are told to reconnect elsewhere (4000) and the process exits 0', async () => {
    const [g1] = await nativeCluster(1);
    const client = await TestClient.connect(wsUrl(g1!.port), { apiKey: apiKeyOf(ALPHA_FULL) });
    await client.joinAndSubscribe('r');
    g1!.proc.kill('SIGTERM');
    const closed = await client.closed;
    expect(closed.code).toBe(4000);
    expect(closed.reason).toMatch(/reconnect/);
    expect(await g1!.exited).toBe(0);
  });

  it('the embedded engine starts with nothing configured: a dev app and key exist from the first start', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rb-embedded-'));
    const gw = await spawnGateway({
      RELAYBOX_DATA_DIR: dataDir,
      RELAYBOX_CONFIG: '',
      RELAYBOX_DEV_API_KEY: '',
    });
    procs.push(gw);
    const devKey = /Dev key\s+(\S+)/.exec(gw.output())?.[1];
    expect(devKey).toMatch(/^dev\.default:/);
    const client = await TestClient.connect(wsUrl(gw.port), { apiKey: devKey!, clientId: 'dev' });
    await client.joinAndSubscribe('hello');
    const ack = await new RelayBoxRest({ apiKey: devKey!, url: gw.url }).publish(
      'hello',
      'greeting',
      'world',
    );
    expect(ack.seq).toBe(1);
    await client.waitForMessages('hello', 1);
    await client.close();
  });

  it('refuses to start on an invalid configuration, naming the setting', async () => {
    const { code, output } = await runGatewayToExit({ RELAYBOX_SHARDS: 'many' });
    expect(code).toBe(1);
    expect(output).toMatch(/RELAYBOX_SHARDS must be an integer/);
  });
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(100);
  }
}
