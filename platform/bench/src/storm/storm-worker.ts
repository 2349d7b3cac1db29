/**
 * A resume-storm client process: holds `@relaybox/client` SDK connections (the app's view: the
 * SDK resumes and dedupes by seq), each subscribed to one room, and accounts every delivery's seq.
 * Same IPC shape as load-worker.ts: `{id, cmd, ...}` in, `{id, ok, result|error}` out, id 0 = ready.
 */
import { RelayBox } from '@relaybox/client';
import WebSocket from 'ws';
import { nowMicros } from '../payload.js';
import { SeqAccount, type StormTally, tally } from './seq-account.js';

export type StormCommand =
  | {
      cmd: 'connect';
      urls: string[];
      apiKey: string;
      /** One entry per client: its clientId and room. */
      clients: { clientId: string; room: string }[];
      timeoutMs: number;
    }
  | { cmd: 'tally'; finalSeqs: Record<string, number>; killedAt: number }
  /** Pooled between rows (--quick): close every client and forget it. */
  | { cmd: 'reset' }
  | { cmd: 'stop' };

export interface StormConnectResult {
  connected: number;
  failed: number;
  errors: string[];
}

export type StormWorkerTally = StormTally & { discontinuities: number };

const clients: RelayBox[] = [];
const accounts: { room: string; account: SeqAccount }[] = [];
let discontinuities = 0;

/** One SDK client: connect (to the first URL: gateway A), join, subscribe; bounded by `timeoutMs`. */
async function openClient(
  urls: string[],
  apiKey: string,
  clientId: string,
  roomName: string,
  timeoutMs: number,
) {
  const relay = new RelayBox({
    url: urls,
    apiKey,
    clientId,
    WebSocket: WebSocket as never,
    minReconnectDelayMs: 50,
    maxReconnectDelayMs: 1000,
  });
  clients.push(relay);
  const account = new SeqAccount();
  accounts.push({ room: roomName, account });
  let firstConnectionId: string | undefined;
  relay.connection.on('statechange', ({ current }) => {
    if (current === 'disconnected' && firstConnectionId !== undefined) account.dropped(nowMicros());
    // connectionId is the new connection's by now: the same one means the server resumed it.
    if (current === 'connected') account.reconnected(nowMicros(), relay.connectionId === firstConnectionId);
  });
  const timer = setTimeout(() => relay.close(), timeoutMs);
  try {
    await relay.connect();
    firstConnectionId = relay.connectionId;
    const room = await relay.join(roomName);
    room.subscribe((msg) => {
      const t = (msg.data as { t?: unknown } | null)?.t;
      account.record(msg.seq, typeof t === 'number' ? t : 0, nowMicros());
    });
    room.on('discontinuity', () => discontinuities++);
  } finally {
    clearTimeout(timer);
  }
}

async function connect(command: Extract<StormCommand, { cmd: 'connect' }>): Promise<StormConnectResult> {
  const result: StormConnectResult = { connected: 0, failed: 0, errors: [] };
  const queue = [...command.clients];
  // 50 opening at a time per process: a bounded ramp, like the traffic scenarios' connects.
  const lanes = Array.from({ length: Math.min(50, queue.length) }, async () => {
    for (let c = queue.shift(); c !== undefined; c = queue.shift()) {
      try {
        await openClient(command.urls, command.apiKey, c.clientId, c.room, command.timeoutMs);
        result.connected++;
      } catch (error) {
        result.failed++;
        const message = error instanceof Error ? error.message : String(error);
        if (result.errors.length < 3 && !result.errors.includes(message)) result.errors.push(message);
      }
    }
  });
  await Promise.all(lanes);
  return result;
}

async function handle(command: StormCommand): Promise<unknown> {
  switch (command.cmd) {
    case 'connect':
      return connect(command);
    case 'tally':
      return {
        ...tally(accounts, command.finalSeqs, command.killedAt),
        discontinuities,
      } satisfies StormWorkerTally;
    case 'reset':
      await Promise.allSettled(clients.map((c) => c.close()));
      clients.length = 0;
      accounts.length = 0;
      discontinuities = 0;
      return null;
    case 'stop':
      await Promise.allSettled(clients.map((c) => c.close()));
      setImmediate(() => process.exit(0));
      return null;
  }
}

process.on('message', (message: { id: number } & StormCommand) => {
  handle(message).then(
    (result) => process.send?.({ id: message.id, ok: true, result }),
    (error: unknown) =>
      process.send?.({
        id: message.id,
        ok: false,
        error: error instanceof Error ? error.message : String(error),
      }),
  );
});
process.on('disconnect', () => process.exit(0));
process.send?.({ id: 0, ok: true, result: 'ready' });
