import { RelayBox } from '@relaybox/client';
import { RelayBoxRest } from '@relaybox/rest';
import WebSocket from 'ws';
import { ALPHA_FULL, apiKeyOf, sleep, uniqueName } from '../harness.js';

/** What one churn cycle saw. */
export interface CycleResult {
  /** Messages that had to reach the app and did not (or arrived twice, or out of order). */
  lost: number;
  /** The drop was resumed (same connection id) rather than a fresh session. */
  resumed: boolean;
}

/** A `ws` WebSocket class that remembers its sockets, so a test can drop one without a close frame. */
function trackedWebSocket(): {
  Tracked: new (...args: ConstructorParameters<typeof WebSocket>) => WebSocket;
  sockets: WebSocket[];
} {
  const sockets: WebSocket[] = [];
  class Tracked extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args);
      sockets.push(this);
    }
  }
  return { Tracked, sockets };
}

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await sleep(10);
  }
  return true;
}

/**
 * One client's life: connect (SDK) to one gateway, join a room of its own, subscribe, receive a
 * message, lose its socket without a close frame, miss a message while away, resume (possibly on
 * the other gateway), get the missed message, close. Publishes go through the REST API of a
 * gateway drawn at random, so they cross the broker half of the time.
 */
export async function churnCycle(wsUrls: string[], restUrls: string[]): Promise<CycleResult> {
  const { Tracked, sockets } = trackedWebSocket();
  const flip = Math.random() < 0.5;
  const relay = new RelayBox({
    url: flip ? [...wsUrls].reverse() : wsUrls,
    apiKey: apiKeyOf(ALPHA_FULL),
    clientId: uniqueName('churn'),
    WebSocket: Tracked as never,
    minReconnectDelayMs: 20,
    maxReconnectDelayMs: 200,
  });
  const rest = new RelayBoxRest({
    apiKey: apiKeyOf(ALPHA_FULL),
    url: restUrls[Math.floor(Math.random() * restUrls.length)]!,
  });
  const name = uniqueName('soak');
  const seen: Array<{ seq: number; data: unknown }> = [];
  try {
    await relay.connect();
    const first = relay.connectionId;
    const room = await relay.join(name);
    room.subscribe((m) => seen.push({ seq: m.seq, data: m.data }));
    // The subscription is active once a probe arrives (the subscribe frame goes out in the background).
    let probes = 0;
    const active = await until(() => {
      if (seen.length > 0) return true;
      if (probes < 50) rest.publish(name, 'probe', ++probes).catch(() => {});
      return false;
    }, 5_000);
    if (!active) return { lost: 2, resumed: false };
    const base = seen.length;
    const one = await rest.publish(name, 'c', 'one');
    await until(() => seen.some((m) => m.data === 'one'), 5_000);
    sockets.at(-1)?.terminate(); // the network drops: no close frame
    const two = await rest.publish(name, 'c', 'two'); // while away
    await until(() => relay.connection.state === 'connected' && sockets.length > 1, 10_000);
    await until(() => seen.some((m) => m.data === 'two'), 5_000);
    await sleep(20); // a duplicate would arrive right behind
    const after = seen.slice(base).filter((m) => m.data === 'one' || m.data === 'two');
    const ok = after.length === 2 && after[0]!.seq === one.seq && after[1]!.seq === two.seq;
    const ordered = seen.every((m, i) => i === 0 || m.seq > seen[i - 1]!.seq);
    return { lost: ok && ordered ? 0 : Math.max(1, 2 - after.length), resumed: relay.connectionId === first };
  } finally {
    await relay.close();
  }
}
