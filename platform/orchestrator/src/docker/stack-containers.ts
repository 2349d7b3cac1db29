import type Docker from 'dockerode';
import { OrchestratorError, type ServiceState, type ServiceStatus } from '../engine.js';
import { controllableActions } from '../service-actions.js';
import { containerOptions } from './container-spec.js';
import { demuxLines } from './log-demux.js';
import {
  INSTANCE_LABEL,
  type Instance,
  ROLE_LABEL,
  SERVICE_LABEL,
  STACK_LABEL,
  type StackPlan,
} from './stack-plan.js';

export const PORT_LABEL = 'dev.relaybox.port';

/** The containers of one stack, found by label (so a fresh process sees a stack another started). */
export class StackContainers {
  constructor(
    private readonly docker: Docker,
    readonly stack: string,
  ) {}

  async list(): Promise<Docker.ContainerInfo[]> {
    return this.docker.listContainers({ all: true, filters: { label: [`${STACK_LABEL}=${this.stack}`] } });
  }

  /** The container of an instance (`gateway-2`), or every instance of a service (`gateway`). */
  async find(name: string): Promise<Docker.ContainerInfo[]> {
    const all = await this.list();
    const exact = all.filter((c) => c.Labels[INSTANCE_LABEL] === name);
    const matches = exact.length > 0 ? exact : all.filter((c) => c.Labels[SERVICE_LABEL] === name);
    if (matches.length === 0)
      throw new OrchestratorError(
        'service_not_found',
        `no container "${name}" in stack ${this.stack}; running: ${all.map((c) => c.Labels[INSTANCE_LABEL]).join(', ') || 'none'}`,
      );
    return matches.sort((a, b) => instanceOrder(a).localeCompare(instanceOrder(b), 'en', { numeric: true }));
  }

  async create(plan: StackPlan, instance: Instance): Promise<Docker.Container> {
    const options = containerOptions(plan, instance);
    options.Labels = { ...options.Labels, [PORT_LABEL]: String(plan.options.port) };
    return this.docker.createContainer(options);
  }

  async ensureNetwork(plan: StackPlan): Promise<void> {
    if (plan.options.network === 'host') return;
    const existing = await this.docker.listNetworks({ filters: { name: [plan.networkName] } });
    if (existing.some((n) => n.Name === plan.networkName)) return;
    await this.docker.createNetwork({
      Name: plan.networkName,
      Driver: 'bridge',
      Labels: { [STACK_LABEL]: this.stack },
    });
  }

  async ensureVolumes(plan: StackPlan): Promise<void> {
    for (const volume of plan.definition.volumes(plan.variables)) {
      await this.docker.createVolume({
        Name: plan.volumeName(volume.name),
        Labels: { ...volume.labels, [STACK_LABEL]: this.stack },
      });
    }
  }

  /** Stops then removes containers (with their anonymous volumes); proxies go first. */
  async remove(containers: Docker.ContainerInfo[], stopTimeoutSec = 5): Promise<void> {
    const isProxy = (c: Docker.ContainerInfo) => c.Labels[ROLE_LABEL] === 'proxy';
    const stop = async (c: Docker.ContainerInfo) => {
      const container = this.docker.getContainer(c.Id);
      if (c.State === 'running' || c.State === 'restarting')
        await container.stop({ t: stopTimeoutSec }).catch(ignoreGone);
      await container.remove({ v: true, force: true }).catch(ignoreGone);
    };
    await Promise.all(containers.filter(isProxy).map(stop));
    await Promise.all(containers.filter((c) => !isProxy(c)).map(stop));
  }

  async removeNetworks(): Promise<void> {
    const networks = await this.docker.listNetworks({ filters: { label: [`${STACK_LABEL}=${this.stack}`] } });
    await Promise.all(networks.map((n) => this.docker.getNetwork(n.Id).remove().catch(ignoreGone)));
  }

  async removeVolumes(): Promise<void> {
    const { Volumes } = await this.docker.listVolumes({
      filters: { label: [`${STACK_LABEL}=${this.stack}`] },
    });
    await Promise.all((Volumes ?? []).map((v) => this.docker.getVolume(v.Name).remove().catch(ignoreGone)));
  }

  /** Runs a command in a running container; rejects with its output when it exits non-zero. */
  async exec(containerName: string, cmd: string[]): Promise<void> {
    const exec = await this.docker
      .getContainer(containerName)
      .exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({});
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    const { ExitCode } = await exec.inspect();
    if (ExitCode !== 0) {
      const output = demuxLines(Buffer.concat(chunks)).map((entry) => entry.line);
      throw new Error(`${cmd.join(' ')} exited with ${ExitCode}: ${output.join('\n')}`);
    }
  }
}

/** A listed container as a service status (`Status` is e.g. "Up 3 seconds (healthy)"). */
export function statusOf(c: Docker.ContainerInfo): ServiceStatus {
  const health = /\((healthy|unhealthy|health: starting)\)/.exec(c.Status)?.[1];
  let state: ServiceState;
  if (c.State === 'running')
    state =
      health === 'healthy'
        ? 'healthy'
        : health === 'unhealthy'
          ? 'unhealthy'
          : health
            ? 'starting'
            : 'running';
  else if (c.State === 'restarting') state = 'restarting';
  else if (c.State === 'exited' || c.State === 'dead') state = 'exited';
  else state = 'stopped';
  return {
    name: c.Labels[INSTANCE_LABEL] ?? c.Names[0]?.replace(/^\//, '') ?? c.Id,
    service: c.Labels[SERVICE_LABEL] ?? 'unknown',
    state,
    since: c.Created * 1000,
    actions: controllableActions(state),
    ...(state === 'exited' ? { detail: c.Status } : {}),
  };
}

function instanceOrder(c: Docker.ContainerInfo): string {
  return c.Labels[INSTANCE_LABEL] ?? '';
}

function ignoreGone(error: unknown): void {
  const status = (error as { statusCode?: number }).statusCode;
  if (status === 404 || status === 304 || status === 409) return;
  throw error;
}
