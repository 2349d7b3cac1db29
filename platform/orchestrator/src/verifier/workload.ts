import { RelayBox, type RelayBoxError, type Room, type RoomMessage } from '@relaybox/client';
import WebSocket from 'ws';

/** One verifier client: a real `@relaybox/client` on one gateway (the others as failover). */
export interface WorkloadClient {
  clientId: string;
  room: string;
  relay: RelayBox;
  handle: Room;
  /** Message id → times delivered. */
  seen: Map<string, number>;
  lastSeq: number;
  outOfOrder: number;
  discontinuities: number;
  reconnects: number;
  resumes: number;
  /** Drops the network under the client (the socket dies without a close frame). */
  flap(): void;
}

export interface AckedMessage {
  id: string;
  seq: number;
}

/** What one room's publisher and subscribers recorded. */
export interface RoomRecord {
  room: string;
  clients: WorkloadClient[];
  published: number;
  acked: AckedMessage[];
  unacked: number;
  latencies: number[];
}

const MAX_LATENCY_SAMPLES = 50_000;
const MAX_IN_FLIGHT = 200;
const RETRY_MS = 250;

/** A `WebSocket` class whose sockets the verifier can cut from under the SDK (a network flap). */
function flappableSocket(sockets: Set<WebSocket>): unknown {
  return class extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      sockets.add(this);
      this.once('close', () => sockets.delete(this));
    }
  };
}

export interface ClientOptions {
  clientId: string;
  room: string;
  urls: string[];
  apiKey: string;
  runId: string;
  startedAt: number;
  perSecond: number[];
  latencies: number[];
}

/** Connects, joins its room, subscribes and enters presence; resolves once all of that is done. */
export async function startClient(options: ClientOptions): Promise<WorkloadClient> {
  const sockets = new Set<WebSocket>();
  const relay = new RelayBox({
    url: options.urls,
    apiKey: options.apiKey,
    clientId: options.clientId,
    WebSocket: flappableSocket(sockets) as never,
    minReconnectDelayMs: 100,
    maxReconnectDelayMs: 1000,
  });
  const client: Partial<WorkloadClient> & { seen: Map<string, number>; lastSeq: number } = {
    clientId: options.clientId,
    room: options.room,
    relay,
    seen: new Map(),
    lastSeq: 0,
    outOfOrder: 0,
    discontinuities: 0,
    reconnects: 0,
    resumes: 0,
    flap: () => {
      for (const socket of sockets) socket.terminate();
    },
  };
  let connectionId: string | undefined;
  relay.connection.on('statechange', ({ current }) => {
    if (current !== 'connected') return;
    if (connectionId !== undefined) {
      client.reconnects!++;
      if (relay.connectionId === connectionId) client.resumes!++;
    }
    connectionId = relay.connectionId ?? undefined;
  });
  relay.connection.on('error', () => {});
  await relay.connect();
  connectionId = relay.connectionId ?? undefined;
  const handle = await relay.join(options.room);
  client.handle = handle;
  handle.on('discontinuity', () => client.discontinuities!++);
  handle.subscribe('verify', (message: RoomMessage) => {
    const now = Date.now();
    const data = message.data as { run?: string; t?: number };
    if (data?.run !== options.runId) return;
    const count = client.seen.get(message.id) ?? 0;
    client.seen.set(message.id, count + 1);
    if (count > 0) return;
    if (message.seq < client.lastSeq) client.outOfOrder!++;
    client.lastSeq = Math.max(client.lastSeq, message.seq);
    const bucket = Math.floor((now - options.startedAt) / 1000);
    options.perSecond[bucket] = (options.perSecond[bucket] ?? 0) + 1;
    if (typeof data.t === 'number' && options.latencies.length < MAX_LATENCY_SAMPLES)
      options.latencies.push(now - data.t);
  });
  await handle.presence.enter({ verifier: options.runId });
  return client as WorkloadClient;
}

/**
 * Publishes `rate` messages per second into the room until `until`, rotating the publisher over
 * the room's clients (so publishes enter through every gateway). A publish refused as retryable
 * is retried with the same idempotency key until `ackDeadline`; one never acknowledged counts as
 * unacked (the app was told it failed), never as lost.
 */
export function publishLoop(
  record: RoomRecord,
  options: { rate: number; until: number; ackDeadline: number; runId: string },
): Promise<void> {
  let n = 0;
  let inFlight = 0;
  const pending: Promise<void>[] = [];
  return new Promise((resolve) => {
    const tick = setInterval(() => {
      if (Date.now() >= options.until) {
        clearInterval(tick);
        void Promise.all(pending).then(() => resolve());
        return;
      }
      if (inFlight >= MAX_IN_FLIGHT) return;
      const k = n++;
      const publisher = record.clients[k % record.clients.length]!;
      record.published++;
      inFlight++;
      const key = `${options.runId}-${record.room}-${k}`;
      const payload = { run: options.runId, n: k, t: Date.now() };
      pending.push(
        publishUntilAcked(publisher.handle, payload, key, options.ackDeadline).then((ack) => {
          inFlight--;
          if (ack) record.acked.push(ack);
          else record.unacked++;
        }),
      );
    }, 1000 / options.rate);
  });
}

async function publishUntilAcked(
  room: Room,
  data: unknown,
  idempotencyKey: string,
  deadline: number,
): Promise<AckedMessage | undefined> {
  for (;;) {
    try {
      const ack = await room.publish('verify', data, { idempotencyKey });
      return { id: ack.id, seq: ack.seq };
    } catch (error) {
      const retryable = (error as RelayBoxError).retryable === true;
      if (!retryable || Date.now() + RETRY_MS > deadline) return undefined;
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }
}

/** How long a churned client keeps trying to enter again while its connection is down. */
const REENTER_MS = 20_000;

/**
 * Leaves and re-enters presence for one random client every `everyMs`, until stopped. An enter
 * refused because the connection is down (the SDK queues nothing: `connection_closed`) is tried
 * again once it is back, as an app would: otherwise that client is legitimately absent and
 * presence could never converge on every client.
 */
export function presenceChurn(clients: WorkloadClient[], everyMs: number): () => Promise<void> {
  let busy: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    const client = clients[Math.floor(Math.random() * clients.length)]!;
    busy = busy.then(async () => {
      await client.handle.presence.leave().catch(() => {});
      await reenter(client);
    });
  }, everyMs);
  return async () => {
    clearInterval(timer);
    await busy;
  };
}

async function reenter(client: WorkloadClient): Promise<void> {
  const deadline = Date.now() + REENTER_MS;
  for (;;) {
    try {
      await client.handle.presence.enter({ churned: true });
      return;
    } catch (error) {
      const down = (error as RelayBoxError).code === 'connection_closed';
      if (!down || Date.now() + RETRY_MS > deadline) return;
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }
}
