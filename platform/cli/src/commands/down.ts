import type { Command } from 'commander';
import { type CliContext, dataDirOf } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { createEngine, parseEngineName } from '../engines.js';
import { isAlive, readStackState, removeStackState } from '../stack-state.js';

const STOP_TIMEOUT_MS = 60_000;

export function registerDownCommand(program: Command, context: CliContext): void {
  program
    .command('down')
    .description('stop the stack another `relaybox up` started (docker: by its labels)')
    .option('--engine <engine>', 'docker: remove a docker stack even without a running `relaybox up`')
    .action((flags: { engine?: string }) => runDown(flags, context));
}

/**
 * Signals the `relaybox up` process of this directory (SIGTERM: it stops its stack as on Ctrl-C) and
 * waits for it to exit. A docker stack whose `up` process is gone is removed through the engine.
 */
export async function runDown(flags: { engine?: string }, context: CliContext): Promise<void> {
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
    return;
  }
  if (state) removeStackState(dataDir);
  if (engineName === 'docker') {
    const engine = await createEngine('docker', { dataDir, env: context.env });
    await engine.down();
    context.out('Removed the docker stack.\n');
    return;
  }
  context.out('No stack is running.\n');
}
