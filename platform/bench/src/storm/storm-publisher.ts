/**
 * The resume storm's publisher: one SDK client on gateway B, joined to every room, publishing
 * round-robin over them on an absolute schedule; it remembers each room's last acknowledged seq.
 */
import { RelayBox } from '@relaybox/client';
import WebSocket from 'ws';
import type { Cluster } from '../cluster.js';
import { nowMicros } from '../payload.js';
import { sleep } from '../timeout.js';

export const wsUrl = (hostPort: string): string => `ws://${hostPort}/v1/ws`;

type Room = Awaited<ReturnType<RelayBox['join']>>;

export function streamer(cluster: Cluster, roomNames: string[], rate: number) {
  const relay = new RelayBox({
    url: wsUrl(cluster.hostPorts[1]!),
    apiKey: cluster.apiKey!,
    clientId: 'storm-publisher',
    WebSocket: WebSocket as never,
  });
  const state = { published: 0, failures: 0, failureSamples: [] as string[], stop: false };
  const finalSeqs: Record<string, number> = {};
  const pending = new Set<Promise<void>>();
  let rooms: Room[] = [];
  const ready = async (): Promise<void> => {
    await relay.connect();
    rooms = [];
    for (const name of roomNames) rooms.push(await relay.join(name));
  };
  const run = async (): Promise<void> => {
    const start = nowMicros();
    for (let i = 0; !state.stop; i++) {
      const wait = (start + (i * 1e6) / rate - nowMicros()) / 1000;
      if (wait > 0) await sleep(wait);
      if (state.stop) break; // stop() may have come during the wait: no publish into a closing client
      const room = rooms[i % rooms.length]!;
      const p = room.publish('m', { i, t: nowMicros() }).then(
        (ack) => {
          finalSeqs[room.name] = Math.max(finalSeqs[room.name] ?? 0, ack.seq);
        },
        (error: unknown) => {
          state.failures++;
          const message = error instanceof Error ? error.message : String(error);
          if (state.failureSamples.length < 3) state.failureSamples.push(message);
        },
      );
      state.published++;
      pending.add(p);
      void p.finally(() => pending.delete(p));
    }
  };
  return {
    state,
    /** Connects and joins every room; rejects if it cannot. */
    ready,
    /** Streams until `stop()`. */
    start: () => run(),
    finalSeqs: () => ({ ...finalSeqs }),
    async stop(): Promise<void> {
      state.stop = true;
      await Promise.race([Promise.allSettled([...pending]), sleep(10_000)]);
      await relay.close();
    },
  };
}
