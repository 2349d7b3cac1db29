import { Command } from 'commander';
import type { CliContext } from './cli-context.js';
import { registerConsoleCommand } from './commands/console.js';
import { registerDownCommand } from './commands/down.js';
import { registerFaultCommand } from './commands/fault.js';
import { registerInitCommand } from './commands/init.js';
import { registerKeysCommand } from './commands/keys.js';
import { registerLogsCommand } from './commands/logs.js';
import { registerStatusCommand } from './commands/status.js';
import { registerTokenCommand } from './commands/token.js';
import { registerUpCommand } from './commands/up.js';
import { registerVerifyCommand } from './commands/verify.js';
import { CLI_VERSION } from './version.js';

/** The `relaybox` program; commands write through `context` so tests can capture them. */
export function createProgram(context: CliContext): Command {
  const program = new Command('relaybox')
    .description('Run RelayBox locally (embedded, native or docker engine) and work with it')
    .version(CLI_VERSION, '-v, --version', 'print the version of relaybox')
    .showHelpAfterError()
    .configureOutput({ writeOut: (text) => context.out(text), writeErr: (text) => context.err(text) });
  registerInitCommand(program, context);
  registerUpCommand(program, context);
  registerDownCommand(program, context);
  registerStatusCommand(program, context);
  registerLogsCommand(program, context);
  registerKeysCommand(program, context);
  registerTokenCommand(program, context);
  registerConsoleCommand(program, context);
  registerFaultCommand(program, context);
  registerVerifyCommand(program, context);
  return program;
}
