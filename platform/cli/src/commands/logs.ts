import type { Command } from 'commander';
import { type CliContext, dataDirOf } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { createEngine } from '../engines.js';
import { followLogFiles, loggedServices, tailLogFile } from '../log-files.js';
import { wholeNumber } from '../options.js';
import { isAlive, logDirOf, readStackState } from '../stack-state.js';

export interface LogsFlags {
  follow?: boolean;
  tail: number;
}

export function registerLogsCommand(program: Command, context: CliContext): void {
  program
    .command('logs')
    .description('print a service’s log lines (all services when none is named)')
    .argument('[service]', 'gateway-1, worker, proxy, ... (see `relaybox status`)')
    .option('-f, --follow', 'keep printing new lines until Ctrl-C or until the stack stops')
    .option('-n, --tail <lines>', 'lines from the end of each log', wholeNumber('--tail', 0, 100_000), 200)
    .action((service: string | undefined, flags: LogsFlags) => runLogs(service, flags, context));
}

export async function runLogs(
  service: string | undefined,
  flags: LogsFlags,
  context: CliContext,
): Promise<void> {
  const dataDir = dataDirOf(context);
  const state = readStackState(dataDir);
  if (state?.engine === 'docker') return dockerLogs(service, flags, context, dataDir);
  const logDir = state?.logDir ?? logDirOf(dataDir);
  const known = loggedServices(logDir);
  if (known.length === 0) throw new CliError('no logs yet: start a stack with `relaybox up`');
  if (service && !known.includes(service))
    throw new CliError(`no service "${service}": the stack has ${known.join(', ')}`);
  const services = service ? [service] : known;
  const width = Math.max(...services.map((s) => s.length));
  const print = (name: string, line: string) =>
    context.out(service ? `${line}\n` : `${name.padEnd(width)} | ${line}\n`);
  for (const name of services) for (const line of tailLogFile(logDir, name, flags.tail)) print(name, line);
  if (!flags.follow) return;
  const stop = followLogFiles(logDir, () => (service ? [service] : loggedServices(logDir)), print);
  // Following ends on Ctrl-C, or when the `relaybox up` that writes these logs is gone.
  await Promise.race([
    context.untilSignal(),
    new Promise<void>((done) => {
      const timer = setInterval(() => {
        if (!state || !isAlive(state.pid)) {
          clearInterval(timer);
          done();
        }
      }, 500);
    }),
  ]);
  stop();
}

async function dockerLogs(
  service: string | undefined,
  flags: LogsFlags,
  context: CliContext,
  dataDir: string,
): Promise<void> {
  const engine = await createEngine('docker', { dataDir, env: context.env });
  const names = service ? [service] : (await engine.status()).services.map((s) => s.name);
  const stops = await Promise.all(
    names.map((name) =>
      engine.logs(name, { follow: flags.follow ?? false, tail: flags.tail }, (event) =>
        context.out(service ? `${event.line}\n` : `${name} | ${event.line}\n`),
      ),
    ),
  );
  if (flags.follow) await context.untilSignal();
  for (const stop of stops) stop();
}
