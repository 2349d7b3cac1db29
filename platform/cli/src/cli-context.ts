import { resolve } from 'node:path';
import { withProjectEnv } from './dotenv-file.js';

/** What a command may touch of the outside world; tests pass their own. */
export interface CliContext {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Resolves on SIGINT/SIGTERM (what `up` waits for in the foreground). */
  untilSignal(): Promise<NodeJS.Signals>;
  /** A person is at the terminal (stdout is a TTY): `up` then opens the console in a browser. */
  interactive?: boolean;
}

export function processContext(): CliContext {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    // `RELAYBOX_*` of the project's `.env` (written by `relaybox init`) count, under the real environment.
    env: withProjectEnv(process.cwd(), process.env),
    cwd: process.cwd(),
    interactive: process.stdout.isTTY === true,
    untilSignal: () =>
      new Promise((done) => {
        process.once('SIGINT', () => done('SIGINT'));
        process.once('SIGTERM', () => done('SIGTERM'));
      }),
  };
}

/** `.relaybox` of the working directory (or `RELAYBOX_DATA_DIR`): dev key, stack state, logs. */
export function dataDirOf(context: CliContext): string {
  return resolve(context.cwd, context.env.RELAYBOX_DATA_DIR || '.relaybox');
}
