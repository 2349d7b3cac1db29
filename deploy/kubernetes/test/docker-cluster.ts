import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import type Docker from 'dockerode';
import type { KubernetesObject } from './kubernetes-schemas.js';
import { containerOptions, type Loose, type PodPlan } from './pod-container.js';
import { ProbeCounter, resolvePort, runProbe } from './probe.js';

/** One running pod: its container, address and what its probes say. */
export interface Pod {
  plan: PodPlan;
  workload: string;
  container: Docker.Container;
  ip: string;
  ready: boolean;
  terminating: boolean;
  /** Liveness failures past the threshold (each restarts the container, as the kubelet does). */
  livenessRestarts: number;
  stopProbes: () => void;
}

const RUN_LABEL = 'dev.relaybox.k8s-run';

/**
 * Runs rendered manifests on the local Docker engine, standing in for a kubelet and the
 * controllers the test needs: Deployments (replicas, or the HorizontalPodAutoscaler's minimum),
 * StatefulSets and Jobs become containers on one bridge network created for the run, with exactly
 * the rendered image, args, env and probes (see pod-container.ts). Services: Docker's DNS answers
 * a Service name with its pods (every pod selected, ready or not), and `endpoints()` lists the
 * ready, non-terminating ones for the test's kube-proxy (service-proxy.ts). Deleting a pod runs
 * its preStop hook, then SIGTERM with the rest of terminationGracePeriodSeconds before SIGKILL.
 */
export class DockerCluster {
  readonly pods = new Map<string, Pod>();
  private readonly scratch: string[] = [];
  private readonly network: string;

  private constructor(
    private readonly docker: Docker,
    readonly objects: readonly KubernetesObject[],
    readonly runId: string,
  ) {
    this.network = `rbk8s-${runId}`;
  }

  /** Creates the network and every workload at once (pods wait for each other by crash-restarting, as in a cluster). */
  static async start(docker: Docker, objects: readonly KubernetesObject[]): Promise<DockerCluster> {
    const cluster = new DockerCluster(docker, objects, randomBytes(3).toString('hex'));
    await docker.createNetwork({
      Name: cluster.network,
      Driver: 'bridge',
      Labels: { [RUN_LABEL]: cluster.runId },
    });
    try {
      for (const workload of objects.filter((o) =>
        ['Deployment', 'StatefulSet', 'Job'].includes(o.kind),
      ) as Loose[]) {
        const replicas =
          workload.kind === 'Job'
            ? 1
            : (workload.spec.replicas ?? cluster.autoscalerMin(workload.metadata.name));
        for (let i = 0; i < replicas; i++) await cluster.createPod(workload, i);
      }
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  podsOf(workload: string): Pod[] {
    return [...this.pods.values()].filter((p) => p.workload === workload);
  }

  /** Ready, non-terminating pods behind a Service, with the port its `targetPort` names. */
  endpoints(serviceName: string): Array<{ pod: string; ip: string; port: number }> {
    const service = this.object('Service', serviceName);
    const port = service.spec.ports[0];
    return [...this.pods.values()]
      .filter((p) => p.ready && !p.terminating && selects(service.spec.selector, p.plan.labels))
      .map((p) => ({
        pod: p.plan.name,
        ip: p.ip,
        port: resolvePort(port.targetPort ?? port.port, p.plan.container),
      }));
  }

  async waitReady(workload: string, count: number, timeoutMs: number): Promise<Pod[]> {
    return waitFor(
      () => {
        const ready = this.podsOf(workload).filter((p) => p.ready && !p.terminating);
        return ready.length >= count ? ready : undefined;
      },
      `${count} ready pod(s) of ${workload}`,
      timeoutMs,
      () => this.describe(workload),
    );
  }

  /** Resolves when the Job's pod exited 0 (Docker's on-failure restarts stand in for backoffLimit). */
  async waitJob(name: string, timeoutMs: number): Promise<void> {
    const [pod] = this.podsOf(name);
    if (!pod) throw new Error(`no pod of Job ${name}`);
    await waitFor(
      async () => {
        const { State } = await pod.container.inspect();
        return !State.Running && !State.Restarting && State.ExitCode === 0 ? true : undefined;
      },
      `Job ${name} to complete`,
      timeoutMs,
      () => this.describe(name),
    );
  }

  /**
   * `kubectl rollout restart` with the Deployment's strategy (maxSurge 1, maxUnavailable 0): for
   * each old pod a new one is created and waited ready, then the old one is deleted (its
   * termination runs while the next new pod starts). Resolves when every old pod is gone.
   */
  async rolloutRestart(name: string, readyTimeoutMs: number): Promise<string[]> {
    const deployment = this.object('Deployment', name);
    const { maxSurge, maxUnavailable } = deployment.spec.strategy.rollingUpdate;
    if (maxSurge !== 1 || maxUnavailable !== 0)
      throw new Error('this runner rolls with maxSurge 1, maxUnavailable 0 only');
    const old = this.podsOf(name).filter((p) => !p.terminating);
    const terminations: Array<Promise<number>> = [];
    for (const pod of old) {
      const fresh = await this.createPod(deployment, 0);
      await waitFor(
        () => (fresh.ready ? true : undefined),
        `new pod ${fresh.plan.name} ready`,
        readyTimeoutMs,
        () => this.describe(name),
      );
      terminations.push(this.deletePod(pod));
    }
    await Promise.all(terminations);
    return old.map((p) => p.plan.name);
  }

  /** preStop, SIGTERM, SIGKILL after the grace period; resolves with the termination's duration in ms. */
  async deletePod(pod: Pod): Promise<number> {
    const started = Date.now();
    pod.terminating = true;
    const graceSec = pod.plan.spec.terminationGracePeriodSeconds ?? 30;
    const preStop = pod.plan.container.lifecycle?.preStop?.exec?.command as string[] | undefined;
    if (preStop) {
      const exec = await pod.container.exec({ Cmd: preStop, AttachStdout: true, AttachStderr: true });
      const stream = await exec.start({});
      await Promise.race([
        new Promise((resolve) => stream.on('end', resolve).on('close', resolve).resume()),
        new Promise((resolve) => setTimeout(resolve, graceSec * 1000)),
      ]);
    }
    const left = Math.max(1, Math.ceil(graceSec - (Date.now() - started) / 1000));
    await pod.container.stop({ t: left }).catch(() => undefined);
    pod.stopProbes();
    this.pods.delete(pod.plan.name);
    await pod.container.remove({ force: true }).catch(() => undefined);
    return Date.now() - started;
  }

  async logs(pod: Pod): Promise<string> {
    const buffer = (await pod.container.logs({ stdout: true, stderr: true, tail: 40 })) as unknown as Buffer;
    // Docker's multiplexed stream: drop its 8-byte frame headers' control bytes, keep the text.
    return [...buffer.toString('utf8')].filter((c) => c === '\n' || c.charCodeAt(0) >= 32).join('');
  }

  async stop(): Promise<void> {
    for (const pod of this.pods.values()) pod.stopProbes();
    const containers = await this.docker.listContainers({
      all: true,
      filters: { label: [`${RUN_LABEL}=${this.runId}`] },
    });
    await Promise.allSettled(containers.map((c) => this.docker.getContainer(c.Id).remove({ force: true })));
    await this.docker
      .getNetwork(this.network)
      .remove()
      .catch(() => undefined);
    for (const dir of this.scratch) rmSync(dir, { recursive: true, force: true });
  }

  private object(kind: string, name: string): Loose {
    const found = this.objects.find((o) => o.kind === kind && o.metadata.name === name);
    if (!found) throw new Error(`no ${kind} ${name}`);
    return found;
  }

  private autoscalerMin(deployment: string): number {
    const hpa = this.objects.find(
      (o) => o.kind === 'HorizontalPodAutoscaler' && (o as Loose).spec.scaleTargetRef.name === deployment,
    );
    return (hpa as Loose)?.spec.minReplicas ?? 1;
  }

  private async createPod(workload: Loose, ordinal: number): Promise<Pod> {
    const name =
      workload.kind === 'StatefulSet'
        ? `${workload.metadata.name}-${ordinal}`
        : `${workload.metadata.name}-${randomBytes(4).toString('hex')}`;
    const spec = workload.spec.template.spec;
    const plan: PodPlan = {
      name,
      labels: workload.spec.template.metadata.labels,
      spec,
      container: spec.containers[0],
      claims: (workload.spec.volumeClaimTemplates ?? []).map((c: Loose) => c.metadata.name),
    };
    const aliases = this.objects
      .filter((o) => o.kind === 'Service' && selects((o as Loose).spec.selector, plan.labels))
      .map((o) => o.metadata.name);
    const options = containerOptions(
      plan,
      this.objects,
      this.network,
      aliases,
      { [RUN_LABEL]: this.runId },
      this.scratch,
    );
    options.name = `${name}-${this.runId}`;
    options.HostConfig = {
      ...options.HostConfig,
      RestartPolicy:
        workload.kind === 'Job'
          ? { Name: 'on-failure', MaximumRetryCount: workload.spec.backoffLimit ?? 6 }
          : { Name: 'always' },
    };
    const container = await this.docker.createContainer(options);
    await container.start();
    const ip = await this.addressOf(container);
    const pod: Pod = {
      plan,
      workload: workload.metadata.name,
      container,
      ip,
      ready: false,
      terminating: false,
      livenessRestarts: 0,
      stopProbes: () => {},
    };
    pod.stopProbes = this.watchProbes(pod);
    this.pods.set(name, pod);
    return pod;
  }

  /** Readiness (no probe: ready once running) and liveness loops of one pod. */
  private watchProbes(pod: Pod): () => void {
    const { container } = pod.plan;
    const timers: NodeJS.Timeout[] = [];
    let stopped = false;
    const loop = (probe: Loose, onResult: (ok: boolean) => Promise<void> | void) => {
      const tick = async () => {
        if (stopped) return;
        const ok = await runProbe(probe, container, pod.ip);
        // A container restarted by its restart policy may come back with another address.
        if (!ok) pod.ip = (await this.addressOf(pod.container)) || pod.ip;
        await onResult(ok);
        if (!stopped) timers.push(setTimeout(tick, (probe.periodSeconds ?? 10) * 1000));
      };
      timers.push(setTimeout(tick, (probe.initialDelaySeconds ?? 0) * 1000));
    };
    if (container.readinessProbe) {
      const readiness = new ProbeCounter(container.readinessProbe, false);
      loop(container.readinessProbe, (ok) => {
        pod.ready = readiness.record(ok);
      });
    } else pod.ready = true;
    if (container.livenessProbe) {
      const liveness = new ProbeCounter(container.livenessProbe, true);
      loop(container.livenessProbe, async (ok) => {
        if (liveness.record(ok)) return;
        pod.livenessRestarts++;
        liveness.state = true;
        await pod.container
          .restart({ t: pod.plan.spec.terminationGracePeriodSeconds ?? 30 })
          .catch(() => undefined);
      });
    }
    return () => {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
    };
  }

  private async addressOf(container: Docker.Container): Promise<string> {
    const info = await container.inspect().catch(() => undefined);
    return info?.NetworkSettings.Networks[this.network]?.IPAddress ?? '';
  }

  private async describe(workload: string): Promise<string> {
    const lines: string[] = [];
    for (const pod of this.podsOf(workload)) {
      lines.push(
        `--- ${pod.plan.name} (${pod.ip}) ready=${pod.ready}\n${await this.logs(pod).catch(() => '')}`,
      );
    }
    return lines.join('\n');
  }
}

function selects(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  return !!selector && Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** Polls `check` every 100 ms until it returns a value; past `timeoutMs` fails with `explain()`. */
export async function waitFor<T>(
  check: () => T | undefined | Promise<T | undefined>,
  what: string,
  timeoutMs: number,
  explain: () => Promise<string> | string = () => '',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms\n${await explain()}`);
}
