/**
 * One load-generator process, driven by the orchestrator over the IPC channel: it opens the
 * connections it is given, publishes on a fixed schedule or counts what its subscribers receive,
 * and reports. Several run side by side: a process holds at most ~20,000 sockets here.
 */

import { Histogram } from '../histogram.js';
import { nowMicros } from '../payload.js';
import { sleep } from '../timeout.js';
import type { ClientKind } from './client-socket.js';
import type { BenchConnection, ConnectOptions, ConnectTarget, Protocol, Role } from './connection.js';
import { type PublishPlan, type PublishReport, runPublishers } from './publisher.js';
import { ReceiveStats } from './receive-stats.js';
import { connectRelayBox } from './relaybox-connection.js';
import { connectSocketIo } from './socketio-connection.js';
import { connectUws } from './uws-connection.js';

export interface ConnectCommand {
  cmd: 'connect';
  protocol: Protocol;
  role: Role;
  targets: ConnectTarget[];
  localAddresses: string[];
  concurrency: number;
  timeoutMs: number;
  client: ClientKind;
  apiKey?: string;
  /**
   * Connection storm: start one connection every 1/rate s on an absolute schedule (from `startAt`,
   * ms since the epoch), however many are still opening, instead of `concurrency` lanes.
   */
  paced?: { ratePerSecond: number; startAt: number };
}
export interface ConnectResult {
  connected: number;
  failed: number;
  errors: string[];
  elapsedMs: number;
  /** Paced connects: histogram (bucket counts) of the time from the socket's start to ready, µs. */
  latency?: { counts: number[]; max: number };
}
export type WorkerCommand =
  | ConnectCommand
  | { cmd: 'window'; start: number; end: number }
  | { cmd: 'publish'; plan: PublishPlan }
  | { cmd: 'report' }
  /** Pooled between rows (--quick): drop every connection and count from zero. */
  | { cmd: 'reset' }
  | { cmd: 'stop' };

export interface WorkerReport {
  receive: ReturnType<ReceiveStats['report']>;
  acks: number;
  rejections: number;
  problems: number;
  problemSamples: string[];
}
export type { PublishReport };

const connectors: Record<Protocol, (options: ConnectOptions) => Promise<BenchConnection>> = {
  uws: connectUws,
  socketio: connectSocketIo,
  relaybox: connectRelayBox,
};

const connections: BenchConnection[] = [];
const publishers: { connection: BenchConnection; room: string }[] = [];
let stats = new ReceiveStats();
let problems = 0;
const problemSamples: string[] = [];

function noteProblem(message: string): void {
  problems++;
  if (problemSamples.length < 5 && !problemSamples.includes(message)) problemSamples.push(message);
}

async function connectAll(command: ConnectCommand): Promise<ConnectResult> {
  const started = Date.now();
  const errors: string[] = [];
  let nextIndex = 0;
  let connected = 0;
  let failed = 0;
  const connectOne = async (i: number): Promise<boolean> => {
    const target = command.targets[i]!;
    const lastSeq: number[] = [];
    const options: ConnectOptions = {
      protocol: command.protocol,
      role: command.role,
      target,
      localAddress: command.localAddresses[i % command.localAddresses.length]!,
      timeoutMs: command.timeoutMs,
      client: command.client,
      onPayload: command.role === 'sub' ? (fields) => stats.record(fields, lastSeq) : () => {},
      onProblem: noteProblem,
    };
    if (command.apiKey !== undefined) options.apiKey = command.apiKey;
    try {
      const connection = await connectors[command.protocol](options);
      connections.push(connection);
      if (command.role === 'pub') publishers.push({ connection, room: target.room! });
      connected++;
      return true;
    } catch (error) {
      failed++;
      const message = error instanceof Error ? error.message : String(error);
      if (errors.length < 3 && !errors.includes(message)) errors.push(message);
      return false;
    }
  };
  if (command.paced) {
    const { ratePerSecond, startAt } = command.paced;
    const latency = new Histogram();
    const opening: Promise<void>[] = [];
    for (let i = 0; i < command.targets.length; i++) {
      const wait = startAt + (i * 1000) / ratePerSecond - Date.now();
      if (wait > 0) await sleep(wait);
      const began = nowMicros();
      opening.push(
        connectOne(i).then((ok) => {
          if (ok) latency.record(nowMicros() - began);
        }),
      );
    }
    await Promise.all(opening);
    return {
      connected,
      failed,
      errors,
      elapsedMs: Date.now() - started,
      latency: { counts: latency.toArray(), max: latency.max },
    };
  }
  const lane = async (): Promise<void> => {
    while (nextIndex < command.targets.length) await connectOne(nextIndex++);
  };
  await Promise.all(Array.from({ length: Math.max(1, command.concurrency) }, lane));
  return { connected, failed, errors, elapsedMs: Date.now() - started };
}

function report(): WorkerReport {
  return {
    receive: stats.report(),
    acks: connections.reduce((sum, c) => sum + c.acks, 0),
    rejections: connections.reduce((sum, c) => sum + c.rejections, 0),
    problems,
    problemSamples,
  };
}

async function handle(command: WorkerCommand): Promise<unknown> {
  switch (command.cmd) {
    case 'connect':
      return connectAll(command);
    case 'window':
      stats.setWindow(command.start, command.end);
      return null;
    case 'publish':
      return runPublishers(publishers, command.plan);
    case 'report':
      return report();
    case 'reset':
      for (const connection of connections) connection.terminate();
      connections.length = 0;
      publishers.length = 0;
      stats = new ReceiveStats();
      problems = 0;
      problemSamples.length = 0;
      return null;
    case 'stop':
      for (const connection of connections) connection.terminate();
      setTimeout(() => process.exit(0), 50);
      return null;
  }
}

process.on('message', (message: { id: number } & WorkerCommand) => {
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
// The orchestrator went away: nothing left to measure for.
process.on('disconnect', () => process.exit(0));
process.send?.({ id: 0, ok: true, result: 'ready' });
