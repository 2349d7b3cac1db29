import { describeFault, FAULT_KINDS, type FaultRecord, type FaultSpec } from '@relaybox/protocol';
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { callDaemon, parseDuration, parseNumber } from '../daemon-client.js';

interface FaultFlags {
  link?: string;
  duration?: string;
  latency?: string;
  jitter?: string;
  bandwidth?: string;
  dropRate?: string;
  readRate?: string;
  json?: boolean;
}

export function registerFaultCommand(program: Command, context: CliContext): void {
  program
    .command('fault')
    .description(
      `inject a fault into the stack \`relaybox up\` runs here, list faults, or heal one\n` +
        `  relaybox fault <kind> [target] [options]   kinds: ${FAULT_KINDS.join(', ')}\n` +
        '  relaybox fault list\n' +
        '  relaybox fault heal <id|all>',
    )
    .argument('<kind>', 'a fault kind, `list` or `heal`')
    .argument('[target]', 'gateway-1 | gateway (all) | a connection id | the fault id to heal')
    .option('--link <link>', 'link faults: redis, amqp or all (default all)')
    .option('--duration <time>', 'heals itself after this long: 500ms, 5s, 2m (default 10s)')
    .option('--latency <ms>', 'link.slow: added latency per chunk, ms')
    .option('--jitter <ms>', 'link.slow: extra random latency 0..jitter, ms')
    .option('--bandwidth <bytesPerSec>', 'link.slow: bytes per second')
    .option('--drop-rate <0..1>', 'link.slow: probability that a chunk resets its connection')
    .option('--read-rate <bytesPerSec>', 'client.slow: bytes per second the client reads (default 0)')
    .option('--json', 'print JSON')
    .action((kind: string, target: string | undefined, flags: FaultFlags) =>
      runFault(kind, target, flags, context),
    );
}

export async function runFault(
  kind: string,
  target: string | undefined,
  flags: FaultFlags,
  context: CliContext,
): Promise<void> {
  const print = (value: unknown, text: string) =>
    context.out(flags.json ? `${JSON.stringify(value, null, 2)}\n` : text);
  if (kind === 'list') {
    const { items } = await callDaemon<{ items: FaultRecord[] }>(context, '/api/faults');
    print(items, items.length === 0 ? 'no faults injected yet\n' : `${items.map(line).join('\n')}\n`);
    return;
  }
  if (kind === 'heal') {
    if (!target) throw new CliError('relaybox fault heal <id|all>: which fault?', 2);
    const { items } = await callDaemon<{ items: FaultRecord[] }>(context, '/api/faults');
    const ids = target === 'all' ? items.filter((f) => f.state === 'active').map((f) => f.id) : [target];
    const healed: FaultRecord[] = [];
    for (const id of ids)
      healed.push(await callDaemon<FaultRecord>(context, `/api/faults/${encodeURIComponent(id)}/heal`, {}));
    print(healed, healed.length === 0 ? 'no active fault\n' : `${healed.map(line).join('\n')}\n`);
    return;
  }
  if (!(FAULT_KINDS as readonly string[]).includes(kind))
    throw new CliError(`unknown fault "${kind}"; kinds: ${FAULT_KINDS.join(', ')}, or list / heal`, 2);
  const spec: Record<string, unknown> = { kind };
  const set = (key: keyof FaultSpec, value: unknown) => {
    if (value !== undefined) spec[key] = value;
  };
  set('target', target);
  set('link', flags.link);
  set('durationMs', parseDuration(flags.duration, '--duration'));
  set('latencyMs', parseNumber(flags.latency, '--latency'));
  set('jitterMs', parseNumber(flags.jitter, '--jitter'));
  set('bandwidthBytesPerSec', parseNumber(flags.bandwidth, '--bandwidth'));
  set('dropRate', parseNumber(flags.dropRate, '--drop-rate'));
  set('readBytesPerSec', parseNumber(flags.readRate, '--read-rate'));
  const record = await callDaemon<FaultRecord>(context, '/api/faults', spec);
  print(record, `${line(record)}\n`);
}

/** `f-1a2b3c  active  link.cut gateway-1 amqp for 5000 ms  (cut gateway-1→amqp)` */
function line(record: FaultRecord): string {
  const state = record.endedBy ? `${record.state} (${record.endedBy})` : record.state;
  return `${record.id}  ${state.padEnd(14)}  ${describeFault(record.spec)}${record.detail ? `  — ${record.detail}` : ''}`;
}
