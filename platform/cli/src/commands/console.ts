import { spawn } from 'node:child_process';
import { findDaemon } from '@relaybox/orchestrator';
import type { Command } from 'commander';
import { type CliContext, dataDirOf, processContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { runningStack } from '../stack-state.js';

export interface ConsoleTarget {
  /** The stack's console URL (`<origin>/console`). */
  console: string;
  daemonUrl?: string | undefined;
  secret?: string | undefined;
  adminToken?: string | null | undefined;
}

/**
 * `<origin>/console/#daemon=...&secret=...&token=...`: the secrets travel in the fragment, which
 * the browser never sends to a server (so they stay out of every access log); the console
 * moves them into sessionStorage and strips the fragment.
 */
export function buildConsoleUrl(target: ConsoleTarget): string {
  const base = target.console.endsWith('/') ? target.console : `${target.console}/`;
  const parts: string[] = [];
  if (target.daemonUrl && target.secret) {
    parts.push(
      `daemon=${encodeURIComponent(target.daemonUrl)}`,
      `secret=${encodeURIComponent(target.secret)}`,
    );
  }
  if (target.adminToken) parts.push(`token=${encodeURIComponent(target.adminToken)}`);
  return parts.length === 0 ? base : `${base}#${parts.join('&')}`;
}

/** The platform's "open this URL" program, called with an argument list (never through a shell). */
export function browserCommand(url: string, platform: NodeJS.Platform): { command: string; args: string[] } {
  if (platform === 'darwin') return { command: 'open', args: [url] };
  // `start` runs inside cmd.exe, which would split the URL at `&`; this handler takes it whole.
  if (platform === 'win32') return { command: 'rundll32', args: ['url.dll,FileProtocolHandler', url] };
  return { command: 'xdg-open', args: [url] };
}

/**
 * Whether `relaybox up` opens the console: `--open`/`--no-open` decide; otherwise only when a person
 * is at the terminal and it is not a CI run.
 */
export function shouldOpenConsole(open: boolean | undefined, context: CliContext): boolean {
  if (open !== undefined) return open;
  return context.interactive === true && !context.env.CI;
}

export interface ConsoleFlags {
  open: boolean;
}

export function registerConsoleCommand(program: Command, context: CliContext = processContext()): void {
  program
    .command('console')
    .description('open the live console of the stack `relaybox up` runs in this directory')
    .option('--no-open', 'only print the console URL')
    .action(async (flags: ConsoleFlags) => {
      await runConsole(flags, context);
    });
}

/** Finds the stack (and its daemon) of this directory, prints the console URL and opens it. */
export async function runConsole(
  flags: ConsoleFlags,
  context: CliContext,
  open: (url: string) => Promise<void> = openInBrowser,
): Promise<string> {
  const url = await consoleUrlForDirectory(context);
  context.out(`Console: ${url}\n`);
  if (flags.open) {
    await open(url).catch((error: unknown) => {
      context.err(`relaybox: could not open a browser (${String(error)}); open the URL above\n`);
    });
  }
  return url;
}

async function consoleUrlForDirectory(context: CliContext): Promise<string> {
  const found = await findDaemon(dataDirOf(context));
  if (found) {
    return buildConsoleUrl({
      console: found.connection.console,
      daemonUrl: found.daemon.url,
      secret: found.daemon.secret,
      adminToken: found.connection.adminToken,
    });
  }
  const stack = runningStack(dataDirOf(context));
  if (stack) {
    context.err('relaybox: the stack has no local daemon: the console opens without stack control\n');
    return buildConsoleUrl({ console: stack.endpoints.console, adminToken: stack.adminToken });
  }
  throw new CliError(
    'no stack is running in this directory: start one with `relaybox up` (in another terminal), then run `relaybox console`',
  );
}

/** Opens `url` in the default browser without waiting for it. */
export function openInBrowser(url: string): Promise<void> {
  const { command, args } = browserCommand(url, process.platform);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.once('error', reject);
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}
