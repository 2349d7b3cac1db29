import Docker from 'dockerode';
import { OrchestratorError } from '../engine.js';

export interface DockerConnectionOptions {
  /** `unix:///var/run/docker.sock`, `tcp://host:2375`; default: DOCKER_HOST, else the local socket. */
  dockerHost?: string;
}

/** A Dockerode client for the given host (docker-modem reads DOCKER_HOST when none is given). */
export function createDockerClient(options: DockerConnectionOptions): Docker {
  const host = options.dockerHost;
  if (!host) return new Docker();
  if (host.startsWith('unix://')) return new Docker({ socketPath: host.slice('unix://'.length) });
  const url = new URL(host.replace(/^tcp:/, 'http:'));
  return new Docker({ host: url.hostname, port: Number(url.port || 2375), protocol: 'http' });
}

/** Pings the engine; rejects with `docker_unavailable` saying how to start one. */
export async function assertDockerAvailable(docker: Docker, where: string): Promise<void> {
  try {
    await docker.ping();
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const hint =
      code === 'EACCES'
        ? 'Permission denied on the socket: add your user to the docker group (`sudo usermod -aG docker $USER`, then log in again) or run as root.'
        : 'Start one: `sudo systemctl start docker` (Linux with systemd), `sudo dockerd &` (Linux without systemd), ' +
          'or open Docker Desktop (macOS, Windows); or point DOCKER_HOST at a running engine. ' +
          'The embedded engine needs no Docker: `relaybox up --engine embedded`.';
    throw new OrchestratorError(
      'docker_unavailable',
      `No Docker engine reachable at ${where}${code ? ` (${code})` : ''}. ${hint}`,
      { cause },
    );
  }
}

/** Where the client connects, for messages. */
export function describeDockerHost(options: DockerConnectionOptions, env: NodeJS.ProcessEnv): string {
  return options.dockerHost ?? env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
}
