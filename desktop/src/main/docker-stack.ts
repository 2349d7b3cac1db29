import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  composeVariablesFrom,
  DockerEngine,
  type RunningDaemon,
  readOrCreateAdminToken,
  type StackEvent,
  startDaemon,
} from '@relaybox/orchestrator';
import type { RunningStack, StackExit } from './stack-process.js';
import { StackProcessError } from './stack-process.js';

export interface DockerStackConfig {
  /**
   * The docker engine's stack: the folder the CLI bundle carries (compose.yaml, nginx/, Dockerfile,
   * app/), `<resources>/cli/stack` in a packaged app, `desktop/dist/cli/stack` from a checkout.
   */
  stackDir: string;
  /** The app's stack data dir (`<userData>/stack/.relaybox`): the admin token lives there. */
  dataDir: string;
  port: number;
  /** RELAYBOX_DOCKER_NETWORK, RELAYBOX_STACK, RELAYBOX_ADMIN_TOKEN, RELAYBOX_DEV_API_KEY, compose variables, DOCKER_HOST. */
  env: Record<string, string | undefined>;
  onLine?: (line: string) => void;
}

/** Containers, network and volumes of the app's docker stack are named after this (RELAYBOX_STACK wins). */
export const DESKTOP_DOCKER_STACK = 'relaybox-desktop';
const KEEP_LINES = 40;

/**
 * Runs the docker engine in this process: the orchestrator's DockerEngine drives the Docker engine
 * through Dockerode (broker, Redis, gateways, worker and nginx are containers; nothing of
 * uWebSockets.js loads here), and a local daemon over it serves the console's stack view. Unlike
 * the child-process engines no `daemon.json` is written: its `pid` would be the app's own, which a
 * later launch would take for an orphan to stop.
 */
export function createDockerLauncher(
  config: DockerStackConfig,
): (signal: AbortSignal) => Promise<RunningStack> {
  return async (signal) => {
    const lines: string[] = [];
    const note = (line: string) => {
      lines.push(line);
      if (lines.length > KEEP_LINES) lines.shift();
      config.onLine?.(line);
    };
    const engine = dockerEngineOf(config);
    const off = engine.onEvent((event) => {
      const line = describeEvent(event);
      if (line) note(line);
    });
    const fail = (message: string) => new StackProcessError(message, [...lines]);
    try {
      // The stack's name is the app's own: whatever an earlier app run that died left is removed.
      await engine.down();
      await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
      const adminToken = readOrCreateAdminToken(config.dataDir, config.env.RELAYBOX_ADMIN_TOKEN || undefined);
      const devApiKey = config.env.RELAYBOX_DEV_API_KEY || undefined;
      // `up` cannot be interrupted; a quit while it runs waits for it, then stops what it started.
      const result = await engine.up({ port: config.port, adminToken, ...(devApiKey ? { devApiKey } : {}) });
      if (signal.aborted) {
        await engine.down();
        throw fail('starting the stack was cancelled');
      }
      const credentials = { adminToken: result.adminToken, devApiKey: result.devApiKey };
      // The console's Start after a Stop brings the stack back on the same port, with the same keys.
      const daemon = await startDaemon({ engine, credentials, upOptions: { port: config.port } }).catch(
        async (error: unknown) => {
          await engine.down();
          throw error;
        },
      );
      return new DockerStack(engine, daemon, { ...result.status.endpoints, ...credentials }, lines, off);
    } catch (error) {
      off();
      if (error instanceof StackProcessError) throw error;
      throw fail(`the docker stack did not start: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
}

function dockerEngineOf(config: DockerStackConfig): DockerEngine {
  const { env, stackDir } = config;
  if (!existsSync(join(stackDir, 'compose.yaml')))
    throw new StackProcessError(
      `the docker engine's stack is missing at ${stackDir} (from a checkout: pnpm --filter @relaybox/desktop build:cli)`,
      [],
    );
  const network = env.RELAYBOX_DOCKER_NETWORK;
  if (network !== undefined && network !== 'host' && network !== 'bridge')
    throw new StackProcessError(`RELAYBOX_DOCKER_NETWORK must be host or bridge, got "${network}"`, []);
  const stack = env.RELAYBOX_STACK || DESKTOP_DOCKER_STACK;
  if (!/^[a-z0-9][a-z0-9_-]{0,62}$/.test(stack))
    throw new StackProcessError(
      `RELAYBOX_STACK must be lowercase letters, digits, "-" or "_", got "${stack}"`,
      [],
    );
  return new DockerEngine({
    stack,
    stackDir,
    variables: composeVariablesFrom(env, { stackDir }),
    ...(network ? { network } : {}),
    ...(env.DOCKER_HOST ? { dockerHost: env.DOCKER_HOST } : {}),
  });
}

function describeEvent(event: StackEvent): string | undefined {
  // With its detail: where an image is built from (`context <dir>`), the Dockerfile step it runs.
  if (event.type === 'progress')
    return [event.step, event.detail, event.done ? 'done' : ''].filter(Boolean).join(': ');
  if (event.type === 'service') return `${event.status.name}: ${event.status.state}`;
  return undefined;
}

/** A running docker stack, shaped like the child-process stacks so AppController treats them alike. */
class DockerStack implements RunningStack {
  /** The process running the stack: the app itself. */
  readonly pid = process.pid;
  readonly daemon;
  private readonly listeners = new Set<(exit: StackExit) => void>();
  private stopped: Promise<StackExit> | undefined;

  constructor(
    private readonly engine: DockerEngine,
    private readonly running: RunningDaemon,
    endpoints: Omit<RunningStack['connection'], 'engine'>,
    private readonly lines: string[],
    private readonly off: () => void,
  ) {
    this.daemon = {
      url: running.url,
      secret: running.secret,
      pid: process.pid,
      engine: 'docker',
      startedAt: Date.now(),
    };
    this.connection = { ...endpoints, engine: 'docker' };
  }

  readonly connection: RunningStack['connection'];

  status() {
    return this.engine.status();
  }

  /** The stack never exits on its own (a dead container shows in its status): listeners hear `stop()`. */
  onExit(listener: (exit: StackExit) => void): void {
    this.listeners.add(listener);
  }

  stop(): Promise<StackExit> {
    this.stopped ??= (async () => {
      await this.running.close();
      await this.engine.down();
      this.off();
      const exit: StackExit = { code: 0, signal: null, expected: true, lastLines: this.lastLines() };
      for (const listener of this.listeners) listener(exit);
      return exit;
    })();
    return this.stopped;
  }

  lastLines(): string[] {
    return [...this.lines];
  }
}
