import { RedisPresenceStore, RedisSessionStore } from '@relaybox/adapters';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../src/start-gateway.js';
import {
  ALPHA_FULL,
  ALPHA_LIMITED,
  apiKeyOf,
  BETA,
  sleep,
  startTestGateway,
  TestClient,
  uniqueName,
  wsUrl,
} from './harness.js';

// Presence and resume across three real gateways sharing RabbitMQ and Redis.
const exchange = uniqueName('test.presence');
const redisPrefix = `${uniqueName('test')}:`;
let gws: RunningGateway[];
const clients: TestClient[] = [];

beforeAll(async () => {
  gws = [];
  for (let i = 0; i < 3; i++) {
    gws.push(
      await startTestGateway({
        broker: 'amqp',
        store: 'redis',
        exchange,
        redisPrefix,
        env: { RELAYBOX_PRESENCE_GRACE_MS: '1500' },
      }),
    );
  }
});
afterAll(async () => {
  for (const c of clients) c.ws.terminate();
  await Promise.all(gws.map((g) => g.shutdown()));
});

async function connect(
  gw: RunningGateway,
  clientId: string,
  extra: Partial<Parameters<typeof TestClient.connect>[1]> = {},
) {
  const client = await TestClient.connect(wsUrl(gw), { apiKey: apiKeyOf(ALPHA_FULL), clientId, ...extra });
  clients.push(client);
  return client;
}

async function watch(gw: RunningGateway, room: string, clientId: string): Promise<TestClient> {
  const client = await connect(gw, clientId);
  await client.ok({ type: 'join', room });
  await client.ok({ type: 'presence.subscribe', room });
  return client;
}

describe('presence across gateways', () => {
  it('enter, update and leave are seen by subscribers on every gateway, in order', async () => {
    const room = uniqueName('p');
    const watchers = await Promise.all(gws.map((gw, i) => watch(gw, room, `w${i}`)));
    const ann = await connect(gws[0]!, 'ann');
    await ann.ok({ type: 'join', room });
    await ann.ok({ type: 'presence', room, action: 'enter', data: { status: 'here' } });
    await ann.ok({ type: 'presence', room, action: 'update', data: { status: 'away' } });
    await ann.ok({ type: 'presence', room, action: 'leave' });
    for (const w of watchers) {
      await w.waitFor(() => w.presenceEvents(room).length >= 3);
      const events = w.presenceEvents(room);
      expect(events.map((e) => e.action)).toEqual(['enter', 'update', 'leave']);
      expect(events.map((e) => e.member.data)).toEqual([
        { status: 'here' },
        { status: 'away' },
        { status: 'away' },
      ]);
      expect(events[0]!.member).toMatchObject({ clientId: 'ann', connectionId: ann.connected.connectionId });
    }
  });

  it('presence.get and REST return every member', async () => {
    const room = uniqueName('p');
    const members = await Promise.all(gws.map((gw, i) => connect(gw, `m${i}`)));
    for (const [i, m] of members.entries()) {
      await m.ok({ type: 'join', room });
      await m.ok({ type: 'presence', room, action: 'enter', data: { i } });
    }
    const got = (await members[2]!.ok({ type: 'presence.get', room })).result as {
      members: { clientId: string }[];
    };
    expect(got.members.map((m) => m.clientId).sort()).toEqual(['m0', 'm1', 'm2']);
    const res = await fetch(`${gws[1]!.url}/v1/rooms/${room}/presence`, {
      headers: { authorization: `Bearer ${apiKeyOf(ALPHA_FULL)}` },
    });
    expect(((await res.json()) as { members: unknown[] }).members).toHaveLength(3);
  });

  it('returns all 5,000 members of a large room (no cap)', async () => {
    const room = uniqueName('big');
    const store = new RedisPresenceStore({ prefix: redisPrefix });
    // The synthetic gateway beats like a live one: the gateways' sweeper removes a dead gateway's
    // members, and would race these enters.
    const sessions = new RedisSessionStore({ prefix: redisPrefix });
    await sessions.heartbeat('synthetic', 120_000);
    try {
      for (let i = 0; i < 5000; i += 500) {
        await Promise.all(
          Array.from({ length: 500 }, (_, j) =>
            store.enter(
              'alpha',
              room,
              { clientId: `c${i + j}`, connectionId: `conn${i + j}`, data: { n: i + j } },
              'synthetic',
            ),
          ),
        );
      }
      const res = await fetch(`${gws[0]!.url}/v1/rooms/${room}/presence`, {
        headers: { authorization: `Bearer ${apiKeyOf(ALPHA_FULL)}` },
      });
      const { members } = (await res.json()) as { members: { data: { n: number } }[] };
      expect(members).toHaveLength(5000);
      expect(new Set(members.map((m) => m.data.n)).size).toBe(5000);
    } finally {
      await store.removeGateway('synthetic');
      await store.close();
      await sessions.clearHeartbeat('synthetic');
      await sessions.close();
    }
  }, 60_000); // 5,000 enters: 4 Redis round trips each, slower on a loaded machine

  it('needs the presence permission and bounds the data size', async () => {
    const room = 'chat:p';
    const limited = await TestClient.connect(wsUrl(gws[0]!), { apiKey: apiKeyOf(ALPHA_LIMITED) });
    clients.push(limited);
    await limited.ok({ type: 'join', room });
    expect(await limited.request({ type: 'presence', room, action: 'enter' })).toMatchObject({
      error: { code: 'permission_denied' },
    });
    expect(await limited.request({ type: 'presence.get', room })).toMatchObject({
      error: { code: 'permission_denied' },
    });
    const big = await connect(gws[0]!, 'big');
    await big.ok({ type: 'join', room });
    expect(
      await big.request({ type: 'presence', room, action: 'enter', data: 'x'.repeat(3000) }),
    ).toMatchObject({
      error: { code: 'presence_data_too_large' },
    });
    expect(await big.request({ type: 'presence', room, action: 'update', data: 1 })).toMatchObject({
      error: { code: 'invalid_request' },
    });
  });

  it('a dropped connection leaves after the grace; a quick resume (on another gateway) does not flap', async () => {
    const room = uniqueName('grace');
    const watcher = await watch(gws[2]!, room, 'watcher');
    const stays = await connect(gws[0]!, 'stays');
    const drops = await connect(gws[0]!, 'drops');
    for (const c of [stays, drops]) {
      await c.ok({ type: 'join', room });
      await c.ok({ type: 'presence', room, action: 'enter' });
    }
    const offer = stays.resumeOffer;
    stays.ws.terminate();
    drops.ws.terminate();
    // No wait for gateway 0 to process the drop: a resume takes the session over at once.
    const back = await connect(gws[1]!, 'stays', { resume: offer });
    expect(back.connected).toMatchObject({ resumed: true, connectionId: offer.connectionId });
    expect(back.connected.resumeSecret).not.toBe(offer.secret);
    // `drops` leaves once its 1.5 s grace is over; `stays` would have left at the same moment had the
    // resume not cancelled its grace, so a further second with no second leave proves there was no flap.
    await watcher.waitFor(
      () => watcher.presenceEvents(room).some((e) => e.action === 'leave' && e.member.clientId === 'drops'),
      10_000,
    );
    await sleep(1000);
    const leaves = watcher.presenceEvents(room).filter((e) => e.action === 'leave');
    expect(leaves.map((e) => e.member.clientId)).toEqual(['drops']);
    const members = (await back.ok({ type: 'presence.get', room })).result as {
      members: { clientId: string }[];
    };
    expect(members.members.map((m) => m.clientId)).toEqual(['stays']);
  });

  it('a clean close leaves at once', async () => {
    const room = uniqueName('clean');
    const watcher = await watch(gws[1]!, room, 'watcher');
    const c = await connect(gws[0]!, 'bye');
    await c.ok({ type: 'join', room });
    await c.ok({ type: 'presence', room, action: 'enter' });
    await c.close();
    await watcher.waitFor(() => watcher.presenceEvents(room).some((e) => e.action === 'leave'), 1000);
  });
});

describe('resume', () => {
  it('restores the joined rooms; a fresh subscribe with fromSeq recovers what was missed', async () => {
    const room = uniqueName('resume');
    const publisher = await connect(gws[0]!, 'pub');
    await publisher.ok({ type: 'join', room });
    const sub = await connect(gws[1]!, 'sub');
    await sub.joinAndSubscribe(room);
    await publisher.ok({ type: 'publish', room, event: 'n', data: 1 });
    await sub.waitForMessages(room, 1);
    const offer = sub.resumeOffer;
    sub.ws.terminate();
    for (let n = 2; n <= 4; n++) await publisher.ok({ type: 'publish', room, event: 'n', data: n });
    const back = await connect(gws[2]!, 'sub', { resume: offer });
    expect(back.connected.resumed).toBe(true);
    // Rooms came back: no join needed before subscribing.
    await back.ok({ type: 'subscribe', room, fromSeq: 2 });
    await publisher.ok({ type: 'publish', room, event: 'n', data: 5 });
    await back.waitForMessages(room, 4);
    expect(back.messages(room).map((m) => m.data)).toEqual([2, 3, 4, 5]);
  });

  it.each([
    ['another client', { clientId: 'mallory' }, 'permission_denied'],
    ['another app', { apiKey: apiKeyOf(BETA), clientId: 'victim' }, 'permission_denied'],
    ['a wrong secret', { clientId: 'victim', wrongSecret: true }, 'permission_denied'],
    ['an unknown connection', { clientId: 'victim', unknown: true }, 'not_found'],
  ])('refuses a resume by %s: the connection starts fresh', async (_name, attempt, code) => {
    const victim = await connect(gws[0]!, 'victim');
    await victim.ok({ type: 'join', room: 'secret-room' });
    const offer = victim.resumeOffer;
    victim.ws.terminate();
    await sleep(100);
    const { wrongSecret, unknown, ...options } = attempt as {
      wrongSecret?: boolean;
      unknown?: boolean;
      clientId: string;
    };
    const resume = {
      connectionId: unknown ? 'AAAAAAAAAAAAAAAA' : offer.connectionId,
      secret: wrongSecret ? 'not-the-secret' : offer.secret,
    };
    const thief = await connect(gws[1]!, options.clientId, { ...options, resume });
    expect(thief.connected.resumed).toBe(false);
    expect(thief.connected.connectionId).not.toBe(offer.connectionId);
    expect(thief.connected.resumeError?.code).toBe(code);
    expect(await thief.request({ type: 'subscribe', room: 'secret-room' })).toMatchObject({
      error: { code: 'not_joined' },
    });
    // The real owner can still resume.
    const owner = await connect(gws[2]!, 'victim', { resume: offer });
    expect(owner.connected.resumed).toBe(true);
  });
});
