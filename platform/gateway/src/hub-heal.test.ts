import { MemoryHistoryStore } from '@relaybox/adapters';
import type { Broker, BrokerMessage, BrokerState, HistoryQuery, HistoryStore } from '@relaybox/core';
import { HISTORY_APP, HistoryFixture } from '@relaybox/core/testing';
import { describe, expect, it } from 'vitest';
import { Hub, roomTopic, seqOfFrame } from './hub.js';
import { RoomHistory } from './room-history.js';
import type { Transport } from './transport.js';

/** A broker whose connection state and deliveries the test drives. */
class ScriptedBroker implements Broker {
  state: BrokerState = 'connected';
  private readonly handlers: ((message: BrokerMessage) => void)[] = [];
  private readonly listeners: ((state: BrokerState) => void)[] = [];
  start = async () => {};
  publish = async () => {};
  subscribe = async () => {};
  unsubscribe = () => {};
  close = async () => {};
  onMessage(handler: (message: BrokerMessage) => void): void {
    this.handlers.push(handler);
  }
  onStateChange(listener: (state: BrokerState) => void): void {
    this.listeners.push(listener);
  }
  set(state: BrokerState): void {
    this.state = state;
    for (const listener of this.listeners) listener(state);
  }
  deliver(room: string, payload: string): void {
    for (const handler of this.handlers) handler({ appId: HISTORY_APP, room, payload });
  }
}

/** History whose page reads of one room can be held until released. */
function gatedStore(inner: HistoryStore) {
  const gates = new Map<string, Array<() => void>>();
  const store: HistoryStore = Object.create(inner);
  store.query = async (appId: string, room: string, query: HistoryQuery) => {
    const held = gates.get(room);
    if (held) await new Promise<void>((release) => held.push(release));
    return inner.query(appId, room, query);
  };
  return {
    store,
    hold: (room: string) => gates.set(room, []),
    /** Releases the reads held so far (in order) and lets later reads of the room through. */
    release: (room: string) => {
      const held = gates.get(room) ?? [];
      gates.delete(room);
      for (const release of held) release();
    },
    held: (room: string) => gates.get(room)?.length ?? 0,
  };
}

const transport = (): Transport => ({
  send: () => true,
  close: () => {},
  bufferedAmount: 0,
  closed: false,
  subscribe: () => {},
  unsubscribe: () => {},
});

const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

describe('Hub: healing broker outages', () => {
  it('a second outage during a heal: what it missed is replayed too (the first heal does not close the room)', async () => {
    const memory = new MemoryHistoryStore();
    const gate = gatedStore(memory);
    const broker = new ScriptedBroker();
    const fanned = new Map<string, number[]>();
    const publishLocal = (topic: string, payload: string) => {
      const seqs = fanned.get(topic) ?? [];
      fanned.set(topic, seqs);
      seqs.push(seqOfFrame(payload) ?? -1);
      return 1;
    };
    const history = new RoomHistory(gate.store, 60_000);
    const hub = new Hub(broker, publishLocal, undefined, undefined, undefined, undefined, history);
    const fixture = new HistoryFixture();
    const publish = async (room: string, live: boolean) => {
      const { payload } = await memory.append(fixture.input({ room }));
      if (live) broker.deliver(room, payload);
    };
    // Two bound rooms, healed in this order: q, then r.
    await hub.subscribe(transport(), HISTORY_APP, 'q');
    await hub.subscribe(transport(), HISTORY_APP, 'r');
    await publish('q', true);
    await publish('r', true);

    broker.set('disconnected'); // outage 1: r's seqs 2 and 3 are missed
    await publish('r', false);
    await publish('r', false);
    gate.hold('r');
    broker.set('connected'); // heal 1: q, then r (its read of 2..3 held)
    await settle();
    expect(gate.held('r')).toBe(1);

    broker.set('disconnected'); // outage 2, during heal 1: r's seq 4 and q's seq 2 are missed
    await publish('r', false);
    await publish('q', false);
    gate.hold('q');
    broker.set('connected'); // heal 2: q first (held), then r
    await settle();
    expect(gate.held('q')).toBe(1);
    gate.release('r'); // heal 1 ends r's replay at seq 3 (its bounds were read before seq 4)
    await settle();
    gate.release('q');
    await settle();

    const seqs = (room: string) =>
      [...new Set(fanned.get(roomTopic(HISTORY_APP, room)))].sort((a, b) => a - b);
    expect(seqs('q')).toEqual([1, 2]);
    expect(seqs('r')).toEqual([1, 2, 3, 4]);
  });
});
