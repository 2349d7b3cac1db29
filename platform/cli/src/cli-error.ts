import { OrchestratorError } from '@relaybox/orchestrator';
import { RelayBoxError } from '@relaybox/protocol';

/** A failure the user can act on: printed as `relaybox: <message>`, exit code 1 (2 for bad usage). */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
    readonly details?: string,
  ) {
    super(message);
  }
}

/** The text printed for any error a command throws: message, then details (log lines) indented. */
export function describeError(error: unknown): { text: string; exitCode: number } {
  if (error instanceof CliError)
    return { text: withDetails(error.message, error.details), exitCode: error.exitCode };
  if (error instanceof OrchestratorError)
    return { text: withDetails(`${error.message} [${error.code}]`, error.details), exitCode: 1 };
  if (error instanceof RelayBoxError) return { text: `${error.message} [${error.code}]`, exitCode: 1 };
  return { text: error instanceof Error ? error.message : String(error), exitCode: 1 };
}

function withDetails(message: string, details: string | undefined): string {
  if (!details?.trim()) return message;
  const indented = details
    .trimEnd()
    .split('\n')
    .map((line) => `  | ${line}`)
    .join('\n');
  return `${message}\n${indented}`;
}
