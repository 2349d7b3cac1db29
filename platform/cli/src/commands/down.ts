import type { Command } from 'commander';
import { type CliContext, dataDirOf } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { createDockerEngine, parseEngineName } from '../engines.js';
import { isAlive, readStackState, removeStackState } from '../stack-state.js';

const STOP_TIMEOUT_MS = 60_000;

export function registerDownCommand(program: Command, context: CliContext): void {
  program
    .command('down')
    .description('stop the stack another `relaybox up` started (docker: by its labels)')
    .option('--engine <engine>', 'docker: remove a docker stack even without a running `relaybox up`')
    .option(
      '--volumes',
      "docker: also remove the stack's named volumes (its Redis, RabbitMQ and platform data)",
    )
    .action((flags: DownFlags) => runDown(flags, context));
}

export interface DownFlags {
  engine?: string;
  volumes?: boolean;
}

/**
 * Signals the `relaybox up` process of this directory (SIGTERM: it stops its stack as on Ctrl-C) and
 * waits for it to exit. A docker stack whose `up` process is gone is removed through the engine.
 */
export async function runDown(flags: DownFlags, context: CliContext): Promise<void> {
  const dataDir = dataDirOf(context);
  const state = readStackState(dataDir);
  const engineName = flags.engine ? parseEngineName(flags.engine) : state?.engine;
  if (state && isAlive(state.pid)) {
    context.out(`Stopping the ${state.engine} stack (relaybox up, pid ${state.pid})...\n`);
    process.kill(state.pid, 'SIGTERM');
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (isAlive(state.pid)) {
      if (Date.now() > deadline)
        throw new CliError(
          `pid ${state.pid} did not stop within ${STOP_TIMEOUT_MS / 1000} s; kill it by hand`,
        );
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    context.out('Stopped.\n');
    // `up` stops its containers and network and keeps the volumes (as `docker compose down`).
    if (engineName === 'docker' && flags.volumes) await removeDockerStack(context, true);
    return;
  }
  if (state) removeStackState(dataDir);
  if (engineName === 'docker') {
    await removeDockerStack(context, flags.volumes === true);
    return;
  }
  context.out('No stack is running.\n');
}

async function removeDockerStack(context: CliContext, volumes: boolean): Promise<void> {
  await createDockerEngine(context.env).down({ volumes });
  context.out(volumes ? 'Removed the docker stack and its volumes.\n' : 'Removed the docker stack.\n');
}
