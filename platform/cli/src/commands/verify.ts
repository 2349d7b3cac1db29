import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';

import { reportToMarkdown, VERIFY_PLANS, type VerifyReport } from '@relaybox/protocol';
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { callDaemon, parseDuration, parseNumber } from '../daemon-client.js';

interface VerifyFlags {
  plan: string;
  clients?: string;
  rooms?: string;
  rate?: string;
  duration?: string;
  json?: boolean;
  markdown?: string;
  out?: string;
}

export function registerVerifyCommand(program: Command, context: CliContext): void {
  program
    .command('verify')
    .description(
      'run the guarantee verifier on the stack `relaybox up` runs here: a workload while a fault plan runs, ' +
        'then lost / duplicated / out-of-order messages, resumes, presence convergence and latency per room',
    )
    .option('--plan <plan>', `fault plan: ${VERIFY_PLANS.join(', ')}`, 'none')
    .option('--clients <n>', 'clients, spread over every gateway (default 12)')
    .option('--rooms <n>', 'rooms (default 3)')
    .option('--rate <n>', 'messages per second per room (default 10)')
    .option('--duration <time>', 'publishing window: 10s, 1m (default 10s)')
    .option('--json', 'print the report as JSON')
    .option('--markdown <file>', 'also write the report as Markdown to this file')
    .option('--out <file>', 'also write the report as JSON to this file')
    .action((flags: VerifyFlags) => runVerifyCommand(flags, context));
}

/** Exit code 1 when the verdict is `fail` (anything lost or duplicated). */
export async function runVerifyCommand(flags: VerifyFlags, context: CliContext): Promise<void> {
  const body: Record<string, unknown> = { plan: flags.plan };
  const set = (key: string, value: number | undefined) => {
    if (value !== undefined) body[key] = value;
  };
  set('clients', parseNumber(flags.clients, '--clients'));
  set('rooms', parseNumber(flags.rooms, '--rooms'));
  set('ratePerRoom', parseNumber(flags.rate, '--rate'));
  const durationMs = parseDuration(flags.duration, '--duration');
  set('durationMs', durationMs);
  if (!flags.json) context.err(`relaybox: verifying with plan ${flags.plan}...\n`);
  // The run lasts its window plus up to a minute of drain and presence convergence.
  const report = await callDaemon<VerifyReport>(
    context,
    '/api/verify',
    body,
    (durationMs ?? 10_000) + 180_000,
  );
  if (flags.markdown) await writeFile(resolve(context.cwd, flags.markdown), reportToMarkdown(report));
  if (flags.out) await writeFile(resolve(context.cwd, flags.out), `${JSON.stringify(report, null, 2)}\n`);
  context.out(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${reportToMarkdown(report)}\n`);
  if (report.verdict === 'fail') throw new CliError('the verifier found lost or duplicated messages');
}
