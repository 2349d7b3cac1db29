import type { StackStatus } from '@relaybox/orchestrator';
import type { Command } from 'commander';
import { type CliContext, dataDirOf } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { createEngine, parseEngineName } from '../engines.js';
import { servicesTable } from '../format.js';
import { runningStack } from '../stack-state.js';

export function registerStatusCommand(program: Command, context: CliContext): void {
  program
    .command('status')
    .description('show the running stack: engine, endpoints, every service and its state')
    .option('--engine <engine>', 'docker: ask the docker engine even without a running `relaybox up`')
    .option('--json', 'print the status as JSON')
    .action((flags: { engine?: string; json?: boolean }) => runStatus(flags, context));
}

/** Exit code 0 when a stack is running and healthy, 1 otherwise (so scripts can wait on it). */
export async function runStatus(
  flags: { engine?: string; json?: boolean },
  context: CliContext,
): Promise<void> {
  const dataDir = dataDirOf(context);
  const stack = runningStack(dataDir);
  let status: StackStatus | undefined;
  let pid: number | undefined;
  if (stack) {
    const origin = await probe(`${stack.endpoints.origin}/v1/health`);
    const degraded = !origin || stack.services.some((s) => !['healthy', 'running'].includes(s.state));
    status = {
      engine: stack.engine,
      state: degraded ? 'degraded' : 'running',
      services: stack.services,
      endpoints: stack.endpoints,
    };
    pid = stack.pid;
  } else if (flags.engine && parseEngineName(flags.engine) === 'docker') {
    status = await (await createEngine('docker', { dataDir, env: context.env })).status();
  }
  if (!status || status.state === 'stopped') {
    if (flags.json) context.out(`${JSON.stringify({ state: 'stopped' })}\n`);
    throw new CliError('no stack is running (start one with `relaybox up`)');
  }
  if (flags.json) {
    context.out(`${JSON.stringify({ ...status, pid }, null, 2)}\n`);
  } else {
    context.out(`${status.engine} stack: ${status.state}${pid ? ` (relaybox up, pid ${pid})` : ''}\n`);
    context.out(`  origin ${status.endpoints.origin}\n\n${servicesTable(status.services)}\n`);
  }
  if (status.state !== 'running') throw new CliError(`the stack is ${status.state}`);
}

async function probe(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}
