import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import type { KubernetesObject } from './kubernetes-schemas.js';

// Rendered manifests are read loosely; what this runner does not support throws.
// biome-ignore lint/suspicious/noExplicitAny: see above
export type Loose = any;

/** A pod to run: its name, labels, the one container and the pod-level spec it came from. */
export interface PodPlan {
  name: string;
  labels: Record<string, string>;
  spec: Loose;
  container: Loose;
  /** Names of the StatefulSet's volumeClaimTemplates (each gets a fresh volume). */
  claims: string[];
}

/**
 * The Docker create options of a pod's single container, taken from the rendered spec as it is:
 * image, command (Entrypoint) and args (Cmd), env and envFrom resolved against the rendered
 * ConfigMaps and Secrets (and the downward API's metadata.name), user and group from the security
 * contexts, a read-only root filesystem, dropped capabilities, no privilege escalation, the memory
 * limit. emptyDir and volumeClaimTemplates volumes become fresh host directories (mode 1777: any
 * uid may write, as with fsGroup). The pod's hostname is its name; it joins `network` under its
 * name and the names of the Services that select it (Docker's DNS then answers for the Service).
 */
export function containerOptions(
  pod: PodPlan,
  objects: readonly KubernetesObject[],
  network: string,
  aliases: string[],
  labels: Record<string, string>,
  scratch: string[],
): Docker.ContainerCreateOptions {
  const { container, spec } = pod;
  if (spec.containers.length !== 1 || spec.initContainers)
    throw new Error(`${pod.name}: one container per pod only`);
  const security = { ...spec.securityContext, ...container.securityContext };
  const user =
    security.runAsUser === undefined
      ? undefined
      : `${security.runAsUser}:${security.runAsGroup ?? security.runAsUser}`;
  return {
    name: pod.name,
    Hostname: pod.name,
    Image: container.image,
    ...(container.command ? { Entrypoint: container.command } : {}),
    ...(container.args ? { Cmd: container.args } : {}),
    Env: Object.entries(resolveEnv(pod, objects)).map(([k, v]) => `${k}=${v}`),
    ...(user ? { User: user } : {}),
    Labels: labels,
    HostConfig: {
      NetworkMode: network,
      ReadonlyRootfs: security.readOnlyRootFilesystem === true,
      CapDrop: security.capabilities?.drop?.includes('ALL') ? ['ALL'] : [],
      SecurityOpt: security.allowPrivilegeEscalation === false ? ['no-new-privileges'] : [],
      Memory: memoryBytes(container.resources?.limits?.memory),
      Binds: volumeBinds(pod, scratch),
    },
    NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: [pod.name, ...aliases] } } },
  };
}

/** envFrom first, then env (later entries win), as the kubelet does. */
export function resolveEnv(pod: PodPlan, objects: readonly KubernetesObject[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of pod.container.envFrom ?? []) {
    if (source.configMapRef) Object.assign(env, dataOf(objects, 'ConfigMap', source.configMapRef.name));
    else if (source.secretRef) Object.assign(env, dataOf(objects, 'Secret', source.secretRef.name));
    else throw new Error(`${pod.name}: unsupported envFrom ${JSON.stringify(source)}`);
  }
  for (const variable of pod.container.env ?? []) {
    const from = variable.valueFrom;
    if (!from) env[variable.name] = variable.value ?? '';
    else if (from.fieldRef?.fieldPath === 'metadata.name') env[variable.name] = pod.name;
    else if (from.secretKeyRef)
      env[variable.name] = dataOf(objects, 'Secret', from.secretKeyRef.name)[from.secretKeyRef.key] ?? '';
    else if (from.configMapKeyRef)
      env[variable.name] =
        dataOf(objects, 'ConfigMap', from.configMapKeyRef.name)[from.configMapKeyRef.key] ?? '';
    else throw new Error(`${pod.name}: unsupported valueFrom ${JSON.stringify(from)}`);
  }
  return env;
}

function dataOf(objects: readonly KubernetesObject[], kind: string, name: string): Record<string, string> {
  const object = objects.find((o) => o.kind === kind && o.metadata.name === name) as Loose;
  if (!object) throw new Error(`${kind} ${name} is referred to but not rendered`);
  const data: Record<string, string> = { ...object.stringData };
  for (const [key, value] of Object.entries((object.data ?? {}) as Record<string, string>)) {
    data[key] = kind === 'Secret' ? Buffer.from(value, 'base64').toString('utf8') : value;
  }
  return data;
}

function volumeBinds(pod: PodPlan, scratch: string[]): string[] {
  const kinds = new Map<string, string>();
  for (const volume of pod.spec.volumes ?? []) {
    if (!volume.emptyDir) throw new Error(`${pod.name}: volume ${volume.name} is not an emptyDir`);
    kinds.set(volume.name, 'emptyDir');
  }
  for (const claim of pod.claims) kinds.set(claim, 'claim');
  return (pod.container.volumeMounts ?? []).map((mount: Loose) => {
    if (!kinds.has(mount.name)) throw new Error(`${pod.name}: no volume ${mount.name}`);
    const dir = mkdtempSync(join(tmpdir(), `rbk8s-${mount.name}-`));
    chmodSync(dir, 0o1777);
    scratch.push(dir);
    return `${dir}:${mount.mountPath}`;
  });
}

const UNITS: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 };

function memoryBytes(quantity: string | undefined): number {
  if (!quantity) return 0;
  const match = /^(\d+)(Ki|Mi|Gi)$/.exec(quantity);
  if (!match) throw new Error(`memory limit "${quantity}": use Ki, Mi or Gi`);
  return Number(match[1]) * (UNITS[match[2] as string] as number);
}
