import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Engine,
  ensureDaemon,
  fileLogger,
  MIN_ADMIN_TOKEN_LENGTH,
  readOrCreateAdminToken,
  type UpOptions,
  type UpResult,
} from '@relaybox/orchestrator';
import type { Command } from 'commander';
import { Listr } from 'listr2';
import { type CliContext, dataDirOf } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { createEngine, parseEngineName } from '../engines.js';
import { endpointsBanner, serviceLine } from '../format.js';
import { LogFileWriter } from '../log-files.js';
import { wholeNumber } from '../options.js';
import {
  logDirOf,
  removeStackState,
  runningStack,
  type StackState,
  writeStackState,
} from '../stack-state.js';
import { buildConsoleUrl, openInBrowser, shouldOpenConsole } from './console.js';

export interface UpFlags {
  engine?: string;
  gateways?: number;
  port: number;
  redisUrl?: string;
  amqpUrl?: string;
  redisPrefix?: string;
  amqpExchange?: string;
  /** Open the console in a browser once the stack is up (default: only at an interactive terminal). */
  open?: boolean;
}

export function registerUpCommand(program: Command, context: CliContext): void {
  program
    .command('up')
    .description('start the stack, print its endpoints and stay in the foreground (Ctrl-C stops it)')
    .option('--engine <engine>', 'embedded | native | docker (default: RELAYBOX_ENGINE, else embedded)')
    .option(
      '--gateways <n>',
      'gateway replicas (native and docker; default 2)',
      wholeNumber('--gateways', 1, 16),
    )
    .option(
      '--port <port>',
      'port of the one local origin (0 = any free port)',
      wholeNumber('--port', 0, 65535),
      9000,
    )
    .option('--redis-url <url>', 'native: Redis to use (default redis://127.0.0.1:6379)')
    .option('--amqp-url <url>', 'native: RabbitMQ to use (default amqp://guest:guest@127.0.0.1:5672)')
    .option('--redis-prefix <prefix>', 'native: Redis key prefix of this stack (default rb:)')
    .option('--amqp-exchange <name>', 'native: RabbitMQ exchange of this stack (default relaybox.fanout)')
    .option('--open', 'open the console in a browser when the stack is up (default at a terminal)')
    .option('--no-open', 'do not open the console')
    .action((flags: UpFlags) => runUp(flags, context));
}

/** `relaybox up`: starts the stack, announces it in `.relaybox/stack.json`, waits for a signal, stops it. */
export async function runUp(flags: UpFlags, context: CliContext): Promise<void> {
  const engineName = parseEngineName(flags.engine ?? (context.env.RELAYBOX_ENGINE || 'embedded'));
  const dataDir = dataDirOf(context);
  const existing = runningStack(dataDir);
  if (existing) {
    throw new CliError(
      `a stack is already running (${existing.engine} engine, pid ${existing.pid}, ${existing.endpoints.origin}): run \`relaybox down\` first`,
    );
  }
  // Private from the start: the data dir holds the dev key, the admin token and the daemon's secret.
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const adminToken = adminTokenOf(dataDir, context.env);
  const engine = await createEngine(engineName, { ...flags, dataDir, env: context.env });
  const logs = new LogFileWriter(logDirOf(dataDir));
  // The daemon's and this process's own lines: pino JSON in logs/daemon.log (`relaybox logs daemon`).
  // Always at info: the file is not the terminal, and its request lines are what it is for.
  const fileLog = fileLogger(join(logDirOf(dataDir), 'daemon.log'), 'info');
  fileLog.cli.info('stack starting', { engine: engine.name, port: flags.port });
  let state: StackState | undefined;
  let live = false;
  const off = engine.onEvent((event) => {
    if (event.type === 'log') logs.write(event);
    if (event.type !== 'service') return;
    if (state) {
      const services = state.services.filter((s) => s.name !== event.status.name);
      state = {
        ...state,
        services: [...services, event.status].sort((a, b) => a.name.localeCompare(b.name)),
      };
      writeStackState(dataDir, state);
    }
    if (live) context.out(serviceLine(event.status));
  });
  const signal = context.untilSignal();
  const options: UpOptions = {
    port: flags.port,
    ...(flags.gateways === undefined ? {} : { gateways: flags.gateways }),
    ...(context.env.RELAYBOX_DEV_API_KEY ? { devApiKey: context.env.RELAYBOX_DEV_API_KEY } : {}),
    adminToken,
  };
  try {
    const result = await Promise.race([startWithProgress(engine, options), signal.then(() => undefined)]);
    if (!result) {
      fileLog.cli.info('interrupted while starting; stopping the stack');
      context.out('Interrupted: stopping what was started...\n');
      await engine.down();
      return;
    }
    state = toState(engine, result, logDirOf(dataDir));
    writeStackState(dataDir, state);
    fileLog.cli.info('stack up', { engine: engine.name, origin: result.status.endpoints.origin });
    const daemon = await ensureDaemon(engine, {
      dataDir,
      credentials: { adminToken: result.adminToken, devApiKey: result.devApiKey },
      log: fileLog.daemon,
    }).catch((error: unknown) => {
      fileLog.cli.error('the local daemon did not start', { error: String(error) });
      context.err(`relaybox: the local daemon did not start (${String(error)}); the stack runs without it\n`);
      return undefined;
    });
    const { endpoints } = result.status;
    context.out(endpointsBanner(engine.name, endpoints, result.devApiKey, result.adminToken));
    const consoleUrl = buildConsoleUrl({
      console: endpoints.console,
      daemonUrl: daemon?.url,
      secret: daemon?.secret,
      adminToken: result.adminToken,
    });
    context.out(`Console with stack control: ${consoleUrl}\n`);
    if (shouldOpenConsole(flags.open, context)) {
      openInBrowser(consoleUrl).catch((error: unknown) => {
        context.err(`relaybox: could not open a browser (${String(error)}); open the URL above\n`);
      });
    }
    live = true;
    const received = await signal;
    live = false;
    fileLog.cli.info('stack stopping', { signal: received });
    context.out(`${received}: stopping the ${engine.name} stack...\n`);
    await daemon?.close();
    await engine.down();
    fileLog.cli.info('stack stopped');
    context.out('Stopped.\n');
  } catch (error) {
    fileLog.cli.error('relaybox up failed', { error: String(error) });
    throw error;
  } finally {
    fileLog.close();
    off();
    removeStackState(dataDir);
    await logs.close();
  }
}

/**
 * `RELAYBOX_ADMIN_TOKEN`, else `<dataDir>/admin-token` (created once): the same token on every `up`
 * of this data dir, as docs/configuration.md states. Checked before anything starts.
 */
export function adminTokenOf(dataDir: string, env: Record<string, string | undefined>): string {
  const fixed = env.RELAYBOX_ADMIN_TOKEN;
  if (fixed !== undefined && fixed !== '' && fixed.length < MIN_ADMIN_TOKEN_LENGTH)
    throw new CliError(`RELAYBOX_ADMIN_TOKEN must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters`, 2);
  return readOrCreateAdminToken(dataDir, fixed || undefined);
}

/** Runs `engine.up` as a listr2 task whose output follows the engine's progress events. */
async function startWithProgress(engine: Engine, options: UpOptions): Promise<UpResult> {
  let result: UpResult | undefined;
  const tasks = new Listr(
    [
      {
        title: `Starting the ${engine.name} stack`,
        task: async (_ctx, task) => {
          const off = engine.onEvent((event) => {
            if (event.type === 'progress') task.output = event.done ? `${event.step}: done` : event.step;
            if (event.type === 'service') task.output = `${event.status.name}: ${event.status.state}`;
          });
          try {
            result = await engine.up(options);
          } finally {
            off();
          }
          task.title = `The ${engine.name} stack is healthy`;
        },
      },
    ],
    { registerSignalListeners: false, exitOnError: true, rendererOptions: { collapseErrors: false } },
  );
  await tasks.run();
  if (!result) throw new CliError('the stack did not start');
  return result;
}

function toState(engine: Engine, result: UpResult, logDir: string): StackState {
  return {
    pid: process.pid,
    engine: engine.name,
    startedAt: Date.now(),
    state: result.status.state,
    endpoints: result.status.endpoints,
    devApiKey: result.devApiKey,
    adminToken: result.adminToken,
    services: result.status.services,
    logDir,
  };
}
