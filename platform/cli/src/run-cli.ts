import { CommanderError } from 'commander';
import type { CliContext } from './cli-context.js';
import { describeError } from './cli-error.js';
import { createProgram } from './program.js';

/**
 * Runs one `relaybox` invocation and returns its exit code: 0 on success, 1 for a failure (printed
 * as `relaybox: <message>`), 2 for bad usage (commander already printed what was wrong).
 */
export async function runCli(argv: readonly string[], context: CliContext): Promise<number> {
  const program = createProgram(context);
  program.exitOverride();
  for (const command of program.commands) command.exitOverride();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    const { text, exitCode } = describeError(error);
    context.err(`relaybox: ${text}\n`);
    return exitCode;
  }
}
