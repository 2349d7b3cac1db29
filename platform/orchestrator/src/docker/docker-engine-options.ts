import type { StackEndpoints } from '../engine.js';
import { readStackDefinition } from '../stack-definition.js';
import type { DockerConnectionOptions } from './docker-connection.js';
import type { NetworkMode } from './stack-plan.js';

export interface DockerEngineOptions extends DockerConnectionOptions {
  /** Stack name: container, network and volume names and the `dev.relaybox.stack` label (default `relaybox`). */
  stack?: string;
  /**
   * The folder of the stack to run: its compose.yaml, and what that file's builds and bind mounts
   * refer to. Default `defaultStackDir()`: a checkout's compose/ from sources, the carried
   * `stack/` beside a CLI bundle (the `relaybox` package, the desktop app's CLI). A host that
   * bundles the orchestrator itself passes the carried folder here.
   */
  stackDir?: string;
  /** A stack definition file, instead of `<stackDir>/compose.yaml`. */
  composeFile?: string;
  /** Merged into the definition like a compose override file (maps merge, the rest replaces). */
  overrides?: Record<string, unknown>;
  /** `bridge` (default) or `host`, for engines without a bridge network (dockerd --bridge=none). */
  network?: NetworkMode;
  /** Compose variables: base images (NODE_IMAGE, REDIS_IMAGE, ...), ports. */
  variables?: Record<string, string>;
  /** Per-service limit for reaching healthy (default 180 s). */
  healthTimeoutMs?: number;
  /** Shared by every gateway of the stack (default: generated per `up`). */
  cursorSecret?: string;
  /**
   * With host networking: put a TCP proxy of this process between each gateway container and
   * Redis/RabbitMQ, so `link.cut` / `link.slow` faults work (default false). The links then live
   * as long as this process: only for an engine that stays up with its stack (`relaybox up`, tests).
   */
  linkProxies?: boolean;
}

export const DEFAULT_PORT = 9000;
export const MAX_GATEWAYS = 16;
/** Per-service limit for reaching healthy when `healthTimeoutMs` is not given. */
export const DEFAULT_HEALTH_TIMEOUT_MS = 180_000;

/**
 * The compose variables set in `env` (like `docker compose`, which reads them from the shell):
 * base images (`NODE_IMAGE`, `REDIS_IMAGE`, ...), host-network ports. For the CLI:
 * `new DockerEngine({ variables: composeVariablesFrom(process.env) })`.
 */
export function composeVariablesFrom(
  env: Record<string, string | undefined>,
  stack: { composeFile?: string; stackDir?: string } = {},
): Record<string, string> {
  const definition = readStackDefinition({
    ...(stack.composeFile ? { file: stack.composeFile } : {}),
    ...(stack.stackDir ? { dir: stack.stackDir } : {}),
  });
  const picked: Record<string, string> = {};
  for (const name of definition.variableNames) {
    const value = env[name];
    if (value !== undefined && value !== '') picked[name] = value;
  }
  return picked;
}

/** The stack's URLs on the host: one origin for everything (DESIGN.md §6). */
export function endpoints(port: number): StackEndpoints {
  const origin = `http://localhost:${port}`;
  return {
    origin,
    websocket: `ws://localhost:${port}/v1/ws`,
    rest: `${origin}/v1`,
    console: `${origin}/console`,
    admin: `${origin}/v1/admin`,
  };
}
