import { RedisSessionStore } from '@relaybox/adapters';
import { RelayBox } from '@relaybox/client';
import { TcpProxy } from '@relaybox/core/testing';
import { CloseCode } from '@relaybox/protocol';
import { RelayBoxRest } from '@relaybox/rest';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RunningGateway } from '../src/start-gateway.js';
import {
  ALPHA_FULL,
  apiKeyOf,
  sleep,
  startTestGateway,
  TestClient,
  uniqueName,
  writeAppsFile,
  wsUrl,
} from './harness.js';
import { type GatewayProcess, spawnGateway } from './processes.js';

// Session takeover (the newest connection wins): a client whose socket to gateway A died without A
// noticing resumes its session on gateway B, keeps its connection id, rooms and presence, and loses
// or repeats no message; A closes the stale socket without undoing B's state. Real RabbitMQ and Redis.
const running: RunningGateway[] = [];
const proxies: TcpProxy[] = [];
const processes: GatewayProcess[] = [];
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
  for (const p of processes.splice(0)) if (p.proc.exitCode === null) p.proc.kill('SIGKILL');
  await Promise.all(proxies.splice(0).map((p) => p.close()));
  await Promise.all(running.splice(0).map((g) => g.shutdown()));
});

const GRACE_MS = 1500;
const LIMITS = { publishRatePerSecond: 10_000, publishBurst: 10_000 };

function names() {
  return { exchange: uniqueName('test.takeover'), redisPrefix: `${uniqueName('test')}:` };
}

async function gateway(shared: ReturnType<typeof names>, extra: { idleTimeoutSec?: number } = {}) {
  const gw = await startTestGateway({
    broker: 'amqp',
    store: 'redis',
    ...shared,
    limits: LIMITS,
    heartbeatMs: 300,
    env: { RELAYBOX_PRESENCE_GRACE_MS: String(GRACE_MS) },
    ...extra,
  });
  running.push(gw);
  return gw;
}

/** A publisher sending 1, 2, 3, ... through the REST API of `gw`. */
function numberedStream(gw: { url: string }, room: string) {
  const rest = new RelayBoxRest({ apiKey: apiKeyOf(ALPHA_FULL), url: gw.url });
  let n = 0;
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      n++;
      await rest.publish(room, 'n', n);
      await sleep(5);
    }
  })();
  done.catch(() => {}); // a failed test stops the gateways under it; `stop` still reports the error
  cleanup.push(async () => {
    stopped = true;
  });
  return {
    stop: async () => {
      stopped = true;
      await done;
      return n;
    },
  };
}

/** An SDK client in `room`, subscribed and present, that fails over between `urls`. */
async function member(urls: string[], room: string, clientId: string) {
  const relay = new RelayBox({
    url: urls,
    apiKey: apiKeyOf(ALPHA_FULL),
    clientId,
    WebSocket: WebSocket as never,
    minReconnectDelayMs: 20,
    maxReconnectDelayMs: 100,
  });
  cleanup.push(() => relay.close());
  await relay.connect();
  const handle = await relay.join(room);
  const seen: number[] = [];
  const gaps: unknown[] = [];
  handle.subscribe('n', (m) => seen.push(m.data as number));
  handle.on('discontinuity', (info) => gaps.push(info));
  await handle.presence.enter({ clientId });
  return { relay, handle, seen, gaps };
}

/** A raw client on `gw` watching the room's presence events. */
async function watcher(gw: RunningGateway, room: string): Promise<TestClient> {
  const client = await TestClient.connect(wsUrl(gw), { apiKey: apiKeyOf(ALPHA_FULL), clientId: 'watcher' });
  cleanup.push(() => client.close());
  await client.ok({ type: 'join', room });
  await client.ok({ type: 'presence.subscribe', room });
  return client;
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(50);
  }
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function membersOf(client: TestClient, room: string) {
  const reply = await client.ok({ type: 'presence.get', room });
  return (reply.result as { members: { clientId: string; connectionId: string }[] }).members;
}

describe('session takeover', () => {
  it('a half-open socket: the client takes its session over on B; A closes the stale socket and keeps the presence', {
    timeout: 90_000,
  }, async () => {
    const shared = names();
    // A would notice the dead link only after its idle timeout (120 s): longer than this test.
    const a = await gateway(shared, { idleTimeoutSec: 120 });
    const b = await gateway(shared);
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: a.port });
    proxies.push(proxy);
    const room = uniqueName('takeover');
    const watch = await watcher(b, room);
    const { relay, handle, seen, gaps } = await member([wsUrl(proxy.port), wsUrl(b)], room, 'mover');
    const firstConnection = relay.connectionId;
    await until(() => a.gateway.stats().connections === 1);
    const stream = numberedStream(b, room);
    await until(() => seen.length >= 20);

    proxy.freeze(); // both sockets stay open, nothing passes: A does not notice
    await until(() => relay.connection.state === 'connected' && b.gateway.stats().connections === 2);
    expect(relay.connectionId).toBe(firstConnection); // resumed, not a new session
    // A learned the session moved (control-channel notice) and closed the stale socket.
    await until(() => a.gateway.stats().connections === 0);

    const last = await stream.stop();
    await until(() => seen.length >= last);
    await sleep(200);
    expect(seen).toEqual(range(1, last));
    expect(gaps).toEqual([]);

    // Past A's presence grace: the member is still there, owned by B, and nobody saw it leave.
    await sleep(GRACE_MS + 1000);
    expect(await membersOf(watch, room)).toEqual([
      expect.objectContaining({ clientId: 'mover', connectionId: firstConnection }),
    ]);
    expect(watch.presenceEvents(room).filter((e) => e.action === 'leave')).toEqual([]);
    const sessions = new RedisSessionStore({ prefix: shared.redisPrefix });
    cleanup.push(() => sessions.close());
    expect(await sessions.get(firstConnection!)).toMatchObject({
      state: 'attached',
      rooms: { [room]: { subscribed: true } },
    });
    // The session goes on on B: presence updates reach the watcher, a new room is recorded.
    await handle.presence.update({ clientId: 'mover', v: 2 });
    await watch.waitFor(() => watch.presenceEvents(room).some((e) => e.action === 'update'), 5000);
    const later = uniqueName('later');
    await relay.join(later);
    await until(async () => (await sessions.get(firstConnection!))?.rooms[later] !== undefined);
  });

  it.each([
    ['the same gateway', 0],
    ['another gateway', 1],
  ])(
    'a resume on %s while the old socket is open: the old one is closed with 4005, nothing of the session is undone',
    { timeout: 60_000 },
    async (_where, to) => {
      const shared = names();
      const gws = [await gateway(shared), await gateway(shared)];
      const room = uniqueName('newest-wins');
      const watch = await watcher(gws[1]!, room);
      const old = await TestClient.connect(wsUrl(gws[0]!), {
        apiKey: apiKeyOf(ALPHA_FULL),
        clientId: 'twice',
      });
      cleanup.push(() => old.close());
      await old.ok({ type: 'join', room });
      await old.ok({ type: 'presence', room, action: 'enter', data: { v: 1 } });
      const offer = old.resumeOffer;

      const fresh = await TestClient.connect(wsUrl(gws[to]!), {
        apiKey: apiKeyOf(ALPHA_FULL),
        clientId: 'twice',
        resume: offer,
      });
      cleanup.push(() => fresh.close());
      expect(fresh.connected).toMatchObject({ resumed: true, connectionId: offer.connectionId });
      expect(await old.closed).toMatchObject({ code: CloseCode.SessionMoved });
      // The old socket's close undid nothing: past the grace the member is there, the session attached.
      await sleep(GRACE_MS + 1000);
      expect(watch.presenceEvents(room).filter((e) => e.action === 'leave')).toEqual([]);
      expect(await membersOf(fresh, room)).toEqual([
        expect.objectContaining({ clientId: 'twice', connectionId: offer.connectionId, data: { v: 1 } }),
      ]);
      const sessions = new RedisSessionStore({ prefix: shared.redisPrefix });
      cleanup.push(() => sessions.close());
      expect(await sessions.get(offer.connectionId)).toMatchObject({
        state: 'attached',
        rooms: { [room]: {} },
      });
      // The spent secret opens nothing: a resume with it starts a new session.
      const replay = await TestClient.connect(wsUrl(gws[1]!), {
        apiKey: apiKeyOf(ALPHA_FULL),
        clientId: 'twice',
        resume: offer,
      });
      cleanup.push(() => replay.close());
      expect(replay.connected.resumed).toBe(false);
      expect(replay.connected.connectionId).not.toBe(offer.connectionId);
      // A clean close of the current socket ends the session and its presence.
      await fresh.close();
      await watch.waitFor(() => watch.presenceEvents(room).some((e) => e.action === 'leave'), 5000);
    },
  );

  it('a gateway killed without cleanup (heartbeat still live): clients resume on B and keep their presence through the sweep', {
    timeout: 120_000,
  }, async () => {
    const shared = names();
    const b = await gateway(shared);
    const a = await spawnGateway({
      RELAYBOX_ENGINE: 'native',
      RELAYBOX_BROKER: 'amqp',
      RELAYBOX_STORE: 'redis',
      RELAYBOX_AMQP_EXCHANGE: shared.exchange,
      RELAYBOX_REDIS_PREFIX: shared.redisPrefix,
      RELAYBOX_CONFIG: writeAppsFile(),
      RELAYBOX_NODE_ID: uniqueName('gw-killed'),
      RELAYBOX_HEARTBEAT_MS: '300',
      RELAYBOX_PRESENCE_GRACE_MS: String(GRACE_MS),
      RELAYBOX_LIMITS: JSON.stringify(LIMITS),
      RELAYBOX_CURSOR_SECRET: 'test-cursor-secret-shared-by-all-test-gateways',
    });
    processes.push(a);
    const room = uniqueName('killed');
    const watch = await watcher(b, room);
    const movers = await Promise.all(
      ['mover-1', 'mover-2', 'mover-3'].map((id) => member([wsUrl(a.port), wsUrl(b)], room, id)),
    );
    const ids = movers.map((m) => m.relay.connectionId);
    // One client of A that never comes back: its presence leaves when the sweeper removes A.
    const gone = await TestClient.connect(wsUrl(a.port), { apiKey: apiKeyOf(ALPHA_FULL), clientId: 'gone' });
    await gone.ok({ type: 'join', room });
    await gone.ok({ type: 'presence', room, action: 'enter' });
    await until(async () => (await membersOf(watch, room)).length === 4);

    a.proc.kill('SIGKILL'); // no close frames, no detach: A's heartbeat stays live for up to 15 s
    await until(() =>
      movers.every((m) => m.relay.connection.state === 'connected' && m.relay.connectionId !== undefined),
    );
    await until(() => b.gateway.stats().connections === 4); // 3 movers + the watcher
    expect(movers.map((m) => m.relay.connectionId)).toEqual(ids); // all resumed, none new

    // A's heartbeat expires (15 s) and B's sweeper removes A: only `gone` leaves.
    await watch.waitFor(
      () => watch.presenceEvents(room).some((e) => e.action === 'leave' && e.member.clientId === 'gone'),
      40_000,
    );
    await sleep(1000);
    const leaves = watch.presenceEvents(room).filter((e) => e.action === 'leave');
    expect(leaves.map((e) => e.member.clientId)).toEqual(['gone']);
    const members = await membersOf(watch, room);
    expect(members.map((m) => m.connectionId).sort()).toEqual([...ids].sort());
    const sessions = new RedisSessionStore({ prefix: shared.redisPrefix });
    cleanup.push(() => sessions.close());
    for (const id of ids) expect((await sessions.get(id!))?.state).toBe('attached');
  });
});
