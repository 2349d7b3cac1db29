import { MemoryBroker, MemoryBus, MemorySessionState, MemorySessionStore } from '@relaybox/adapters';
import { CloseCode } from '@relaybox/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';
import { type LocalConnection, MAX_IDS_PER_NOTICE, SessionTakeover } from './session-takeover.js';

// Two gateways' takeover halves over one in-process bus and one session state.
const stops: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

class Socket implements LocalConnection {
  closedWith: number | undefined;
  readonly transport = {
    close: (code: number) => {
      this.closedWith = code;
    },
  };
  constructor(
    readonly connectionId: string,
    readonly epoch: number,
  ) {}
}

async function node(gatewayId: string, bus: MemoryBus, state: MemorySessionState) {
  const broker = new MemoryBroker({ bus });
  await broker.start();
  const store = new MemorySessionStore({ state });
  await store.heartbeat(gatewayId, 60_000);
  const sockets: Socket[] = [];
  const disowned: string[] = [];
  const published: string[] = [];
  broker.onMessage((m) => published.push(m.payload));
  const takeover = new SessionTakeover({
    broker,
    store,
    gatewayId,
    connections: () => sockets,
    disown: (connectionId, epoch) => disowned.push(`${connectionId}#${epoch}`),
    log: createLogger('silent'),
  });
  await takeover.start();
  stops.push(
    () => takeover.stop(),
    () => broker.close(),
  );
  return { store, sockets, disowned, published, takeover };
}

const session = (connectionId: string, gatewayId: string) => ({
  connectionId,
  appId: 'app-1',
  clientId: 'alice',
  gatewayId,
  rooms: {},
  createdAt: 0,
});

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
}

describe('SessionTakeover', () => {
  it('closes (4005) and disowns the old gateway sockets of sessions taken over, in one notice per turn', async () => {
    const bus = new MemoryBus();
    const state = new MemorySessionState();
    const a = await node('gw-a', bus, state);
    const b = await node('gw-b', bus, state);
    const ids = Array.from({ length: MAX_IDS_PER_NOTICE + 3 }, (_, i) => `c${i}`);
    for (const id of ids) {
      await a.store.create(session(id, 'gw-a'), 's');
      a.sockets.push(new Socket(id, 1));
    }
    a.sockets.push(new Socket('untouched', 1));
    for (const id of ids) {
      await b.store.claim({
        connectionId: id,
        appId: 'app-1',
        clientId: 'alice',
        secret: 's',
        gatewayId: 'gw-b',
        nextSecret: 'n',
      });
      b.takeover.tookOver(new Socket(id, 7), 'gw-a');
    }
    await until(() => a.sockets.filter((s) => s.closedWith !== undefined).length === ids.length);
    expect(
      a.sockets.every(
        (s) => s.closedWith === (s.connectionId === 'untouched' ? undefined : CloseCode.SessionMoved),
      ),
    ).toBe(true);
    expect(a.disowned.sort()).toEqual(ids.map((id) => `${id}#1`).sort());
    // Two notices (500 + 3 ids), not one per takeover.
    expect(a.published.filter((p) => p.includes('session-moved'))).toHaveLength(2);
  });

  it('closes nothing when the session is attached here again by the time the notice is read', async () => {
    const bus = new MemoryBus();
    const state = new MemorySessionState();
    const a = await node('gw-a', bus, state);
    await a.store.create(session('c1', 'gw-a'), 's');
    const current = new Socket('c1', 2);
    a.sockets.push(current);
    // A late notice (or a refused mutation) for a session that is attached here: nothing to close.
    expect(await a.takeover.verify(['c1'])).toBe(0);
    expect(current.closedWith).toBeUndefined();
    // Once it moved, the same check closes the socket.
    await a.store.claim({
      connectionId: 'c1',
      appId: 'app-1',
      clientId: 'alice',
      secret: 's',
      gatewayId: 'gw-b',
      nextSecret: 'n',
    });
    expect(await a.takeover.verify(['c1'])).toBe(1);
    expect(current.closedWith).toBe(CloseCode.SessionMoved);
    expect(a.disowned).toEqual(['c1#2']);
  });

  it('on a takeover here, closes the older local socket of the id, not the new one', async () => {
    const a = await node('gw-a', new MemoryBus(), new MemorySessionState());
    const older = new Socket('c1', 1);
    const newer = new Socket('c1', 2);
    a.sockets.push(older, newer);
    a.takeover.tookOver(newer, 'gw-a');
    expect(older.closedWith).toBe(CloseCode.SessionMoved);
    expect(newer.closedWith).toBeUndefined();
    expect(a.published).toEqual([]);
  });
});
