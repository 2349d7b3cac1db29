import { assertDockerAvailable, createDockerClient, describeDockerHost } from '@relaybox/orchestrator';
import type { EngineChoice, EngineSetting } from '../shared/ipc.js';

/** The engine the app starts and why, as the console and the log show it. */
export interface EngineDecision {
  engine: EngineChoice;
  reason: string;
}

export type DockerProbeResult = { ok: true; where: string } | { ok: false; where: string; error: string };

/** Answers whether a Docker engine responds (a ping), and where it looked. */
export type DockerProbe = () => Promise<DockerProbeResult>;

const PROBE_TIMEOUT_MS = 3000;

/**
 * The engine for a setting: what the user picked, or for `auto` the docker engine when a Docker
 * engine answers and the embedded engine (which needs nothing installed) when none does.
 */
export async function chooseEngine(setting: EngineSetting, probe: DockerProbe): Promise<EngineDecision> {
  if (setting !== 'auto') return { engine: setting, reason: `chosen in the settings (${setting})` };
  const found = await probe();
  if (found.ok) return { engine: 'docker', reason: `the default: a Docker engine answers at ${found.where}` };
  return {
    engine: 'embedded',
    reason: `the default: no Docker engine answers at ${found.where} (${found.error}), and the embedded engine needs none`,
  };
}

/**
 * Pings the Docker engine of `env` (DOCKER_HOST, else the local socket), giving up after 3 s: an
 * engine that does not answer in time is taken as absent rather than holding the app's start.
 */
export function dockerProbe(env: Record<string, string | undefined>): DockerProbe {
  return async () => {
    const where = describeDockerHost({}, env);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)),
        PROBE_TIMEOUT_MS,
      );
    });
    try {
      const docker = createDockerClient(env.DOCKER_HOST ? { dockerHost: env.DOCKER_HOST } : {});
      await Promise.race([assertDockerAvailable(docker, where), timeout]);
      return { ok: true, where };
    } catch (error) {
      return { ok: false, where, error: shortReason(error) };
    } finally {
      clearTimeout(timer);
    }
  };
}

/** `ECONNREFUSED` / `ENOENT` from the probe's error (its message also carries install hints). */
function shortReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  return error instanceof Error ? error.message : String(error);
}
