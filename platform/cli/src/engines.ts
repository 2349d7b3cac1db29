import {
  composeVariablesFrom,
  DockerEngine,
  EmbeddedEngine,
  type Engine,
  type EngineName,
  NativeEngine,
} from '@relaybox/orchestrator';
import { CliError } from './cli-error.js';

export const ENGINE_NAMES: readonly EngineName[] = ['embedded', 'native', 'docker'];

export interface EngineSettings {
  dataDir: string;
  env: Record<string, string | undefined>;
  redisUrl?: string | undefined;
  amqpUrl?: string | undefined;
  redisPrefix?: string | undefined;
  amqpExchange?: string | undefined;
}

export function parseEngineName(raw: string): EngineName {
  if (!(ENGINE_NAMES as readonly string[]).includes(raw))
    throw new CliError(`unknown engine "${raw}": expected one of ${ENGINE_NAMES.join(', ')}`, 2);
  return raw as EngineName;
}

/** The engine behind `--engine`. */
export async function createEngine(name: EngineName, settings: EngineSettings): Promise<Engine> {
  if (name === 'embedded') return new EmbeddedEngine({ dataDir: settings.dataDir, env: settings.env });
  if (name === 'native') {
    const defined = <T extends object>(o: T) =>
      Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
    return new NativeEngine(
      defined({
        dataDir: settings.dataDir,
        redisUrl: settings.redisUrl ?? settings.env.RELAYBOX_REDIS_URL,
        amqpUrl: settings.amqpUrl ?? settings.env.RELAYBOX_AMQP_URL,
        redisPrefix: settings.redisPrefix,
        amqpExchange: settings.amqpExchange,
      }),
    );
  }
  return createDockerEngine(settings.env);
}

/** The docker engine of `env` (`RELAYBOX_DOCKER_NETWORK`, `RELAYBOX_STACK`, the compose variables). */
export function createDockerEngine(env: Record<string, string | undefined>): DockerEngine {
  // Engines without a bridge network (`dockerd --bridge=none`) run the stack on the host network.
  const network = env.RELAYBOX_DOCKER_NETWORK;
  if (network !== undefined && network !== 'host' && network !== 'bridge')
    throw new CliError(`RELAYBOX_DOCKER_NETWORK must be host or bridge, got "${network}"`, 2);
  // The stack's name (containers, network, volumes, labels), as compose's project name.
  const stack = env.RELAYBOX_STACK || undefined;
  if (stack !== undefined && !/^[a-z0-9][a-z0-9_-]{0,62}$/.test(stack))
    throw new CliError(
      `RELAYBOX_STACK must be lowercase letters, digits, "-" or "_" (at most 63), got "${stack}"`,
      2,
    );
  // Base images and stack variables come from the environment, as with `docker compose`. The stack
  // definition is the checkout's compose/ from sources, the one this package carries when installed.
  const variables = composeVariablesFrom(env);
  return new DockerEngine({ variables, ...(network ? { network } : {}), ...(stack ? { stack } : {}) });
}
