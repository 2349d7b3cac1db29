import type Docker from 'dockerode';
import { OrchestratorError } from '../engine.js';
import { demuxLines } from './log-demux.js';

const POLL_MS = 250;
const LOG_LINES = 30;

/**
 * Resolves when the container is healthy (or running, when its service has no health check).
 * Rejects with `service_unhealthy`, carrying the container's last log lines and last health check
 * output in `details`, when it exits, crash-loops, is reported unhealthy or runs out of time.
 */
export async function waitHealthy(
  docker: Docker,
  containerName: string,
  instance: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const container = docker.getContainer(containerName);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (signal?.aborted) throw new Error(`stopped waiting for ${instance}`);
    const info = await container.inspect();
    const state = info.State;
    const health = state.Health?.Status;
    if (state.Running && (health === 'healthy' || (health === undefined && !info.Config.Healthcheck))) return;
    let reason: string | undefined;
    if (!state.Running || state.Restarting) reason = `exited with code ${state.ExitCode}`;
    else if (health === 'unhealthy') reason = 'failed its health check';
    else if (Date.now() > deadline) reason = `was not healthy after ${Math.round(timeoutMs / 1000)} s`;
    if (reason) throw await unhealthyError(container, instance, reason, state.Health?.Log);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function unhealthyError(
  container: Docker.Container,
  instance: string,
  reason: string,
  healthLog: { Output?: string; ExitCode?: number }[] | undefined,
): Promise<OrchestratorError> {
  const logs = await lastLogLines(container, LOG_LINES);
  const check = healthLog?.at(-1);
  const details = [
    `--- last ${LOG_LINES} log lines of ${instance} ---`,
    ...logs,
    ...(check ? [`--- last health check (exit ${check.ExitCode}) ---`, (check.Output ?? '').trim()] : []),
  ].join('\n');
  return new OrchestratorError(
    'service_unhealthy',
    `service ${instance} ${reason}; its last log lines are in the details (\`relaybox logs ${instance}\`).`,
    { details },
  );
}

export async function lastLogLines(container: Docker.Container, tail: number): Promise<string[]> {
  try {
    const buffer = (await container.logs({
      stdout: true,
      stderr: true,
      tail,
      follow: false,
    })) as unknown as Buffer;
    return demuxLines(Buffer.from(buffer)).map((entry) => entry.line);
  } catch (error) {
    return [`(logs unavailable: ${(error as Error).message})`];
  }
}
