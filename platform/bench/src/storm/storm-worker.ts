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
  | { cmd: 'connect'; urls: string[]; apiKey: string; room: string; clientIds: string[]; timeoutMs: number }
  | { cmd: 'tally'; finalSeq: number }
  | { cmd: 'stop' };

export interface StormConnectResult {
  connected: number;
  failed: number;
  errors: string[];
}

const clients: RelayBox[] = [];
const accounts: SeqAccount[] = [];
let discontinuities = 0;

/** One SDK client: connect (to the first URL: gateway A), join, subscribe; bounded by `timeoutMs`. */
async function openClient(
  command: Extract<StormCommand, { cmd: 'connect' }>,
  clientId: string,
): Promise<void> {
  const relay = new RelayBox({
    url: command.urls,
    apiKey: command.apiKey,
    clientId,
    WebSocket: WebSocket as never,
    minReconnectDelayMs: 50,
    maxReconnectDelayMs: 1000,
  });
  clients.push(relay);
  const account = new SeqAccount();
  accounts.push(account);
  // When this client saw its connection drop: a message published later (`data.t`, µs of the
  // shared CLOCK_MONOTONIC) can only have come after the resume, so its arrival is the catch-up.
  let droppedAt: number | undefined;
  relay.connection.on('statechange', ({ current }) => {
    if (current === 'disconnected' && droppedAt === undefined) droppedAt = nowMicros();
  });
  const timer = setTimeout(() => relay.close(), command.timeoutMs);
  try {
    await relay.connect();
    const room = await relay.join(command.room);
    room.subscribe((msg) => {
      const t = (msg.data as { t?: unknown } | null)?.t;
      account.record(msg.seq, nowMicros(), droppedAt !== undefined && typeof t === 'number' && t > droppedAt);
    });
    room.on('discontinuity', () => discontinuities++);
  } finally {
    clearTimeout(timer);
  }
}

async function connect(command: Extract<StormCommand, { cmd: 'connect' }>): Promise<StormConnectResult> {
  const result: StormConnectResult = { connected: 0, failed: 0, errors: [] };
  const queue = [...command.clientIds];
  // 50 opening at a time per process: a bounded ramp, like the traffic scenarios' connects.
  const lanes = Array.from({ length: Math.min(50, queue.length) }, async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      try {
        await openClient(command, id);
        result.connected++;
      } catch (error) {
        result.failed++;
        if (result.errors.length < 3)
          result.errors.push(error instanceof Error ? error.message : String(error));
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
      return { ...tally(accounts, command.finalSeq), discontinuities } satisfies StormTally & {
        discontinuities: number;
      };
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
