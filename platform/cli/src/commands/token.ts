import type { PermissionMap } from '@relaybox/protocol';
import { RelayBoxRest } from '@relaybox/rest';
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { wholeNumber } from '../options.js';
import { devKeyAndOrigin } from './keys.js';

export interface TokenFlags {
  clientId: string;
  permissions?: string;
  ttl: number;
  json?: boolean;
}

export function registerTokenCommand(program: Command, context: CliContext): void {
  program
    .command('token')
    .description('mint a client token (JWT) signed with the dev API key')
    .requiredOption('--client-id <id>', 'the clientId the token is for (its `sub`)')
    .option('--permissions <json>', 'room pattern → operations, e.g. \'{"chat:*":["subscribe","publish"]}\'')
    .option('--ttl <seconds>', 'lifetime in seconds', wholeNumber('--ttl', 1, 86_400), 3600)
    .option('--json', 'print { token, expiresAt } as JSON')
    .action((flags: TokenFlags) => runToken(flags, context));
}

/** Prints the token alone (easy to capture in a script), or JSON with its expiry. */
export async function runToken(flags: TokenFlags, context: CliContext): Promise<void> {
  const permissions = flags.permissions === undefined ? undefined : parsePermissions(flags.permissions);
  const { devApiKey, origin } = devKeyAndOrigin(context);
  const rest = new RelayBoxRest({ apiKey: devApiKey, url: origin });
  const { token, expiresAt } = await rest.createToken({
    clientId: flags.clientId,
    expiresIn: flags.ttl,
    ...(permissions ? { permissions } : {}),
  });
  context.out(flags.json ? `${JSON.stringify({ token, expiresAt })}\n` : `${token}\n`);
}

/** Parses `--permissions`; the operations themselves are validated by `createToken`. */
export function parsePermissions(raw: string): PermissionMap {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new CliError(
      `--permissions must be JSON like '{"chat:*":["subscribe","publish"]}' (${(error as Error).message})`,
      2,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new CliError('--permissions must be a JSON object of room pattern → list of operations', 2);
  return parsed as PermissionMap;
}
