/**
 * One load-generator process, driven by the orchestrator over the IPC channel: it opens the
 * connections it is given, publishes on a fixed schedule or counts what its subscribers receive,
 * and reports. Several run side by side: a process holds at most ~20,000 sockets here.
 */
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
}
export interface ConnectResult {
  connected: number;
  failed: number;
  errors: string[];
  elapsedMs: number;
}
export type WorkerCommand =
  | ConnectCommand
  | { cmd: 'window'; start: number; end: number }
  | { cmd: 'publish'; plan: PublishPlan }
  | { cmd: 'report' }
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
const stats = new ReceiveStats();
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
  const connectOne = async (i: number): Promise<void> => {
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
    } catch (error) {
      failed++;
      const message = error instanceof Error ? error.message : String(error);
      if (errors.length < 3 && !errors.includes(message)) errors.push(message);
    }
  };
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
