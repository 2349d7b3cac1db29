import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { OrchestratorError } from './engine.js';
import { interpolate, type Variables } from './stack-interpolation.js';

/**
 * The stack definition is `compose/compose.yaml`, the file `docker compose up` runs. The docker
 * engine reads it here and nowhere else keeps a list of services: which services exist, their
 * images or builds, commands, environment, health checks, start order, ports, volumes and labels
 * all come from that file. `x-relaybox` fields (ignored by compose) add what only the
 * orchestrator needs: each service's role and the host-network differences.
 */

/** What the orchestrator knows how to run. Every service of compose.yaml has exactly one. */
export const SERVICE_ROLES = ['redis', 'rabbitmq', 'gateway', 'worker', 'proxy'] as const;
export type ServiceRole = (typeof SERVICE_ROLES)[number];

/** The stack definition of a checkout: its images are built from the sources (platform/Dockerfile). */
export const CHECKOUT_STACK_DIR = fileURLToPath(new URL('../../../compose/', import.meta.url));

/** The folder a CLI bundle carries its stack in, next to the bundle (platform/cli/scripts/bundle-cli.mjs). */
export const CARRIED_STACK_FOLDER = 'stack';

/**
 * Where the docker engine finds its stack when it is given none. Run from sources (a checkout,
 * through tsx or vitest) that is the checkout's `compose/`. Run from a bundle (the `relaybox`
 * package's `dist/relaybox.mjs`, the desktop app's CLI) no checkout exists: the bundle carries its
 * own stack in `stack/` beside it (compose.yaml, nginx/, a Dockerfile, and the already-built
 * platform as the build context). A host that bundles the orchestrator elsewhere passes the
 * carried folder as `stackDir` instead.
 */
export function defaultStackDir(moduleUrl: string = import.meta.url): string {
  if (/\.[cm]?tsx?$/.test(new URL(moduleUrl).pathname)) return CHECKOUT_STACK_DIR;
  return fileURLToPath(new URL(`./${CARRIED_STACK_FOLDER}/`, moduleUrl));
}

export interface Healthcheck {
  test: string[];
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  startPeriodMs: number;
}

export interface MountDefinition {
  type: 'volume' | 'bind';
  /** Volume name as written in compose.yaml, or an absolute host path for a bind mount. */
  source: string;
  target: string;
  readOnly: boolean;
}

export interface PortDefinition {
  host: number;
  container: number;
}

/** One service with every `${VAR}` resolved for one set of variables. */
export interface ServiceDefinition {
  name: string;
  role: ServiceRole;
  image: string;
  /** The variable that picks the image (`REDIS_IMAGE` for `${REDIS_IMAGE:-redis:7}`), if any. */
  imageVariable?: string;
  build?: { context: string; dockerfile: string; args: Record<string, string> };
  command?: string[];
  entrypoint?: string[];
  environment: Record<string, string>;
  ports: PortDefinition[];
  mounts: MountDefinition[];
  dependsOn: { service: string; condition: 'service_healthy' | 'service_started' }[];
  healthcheck?: Healthcheck;
  labels: Record<string, string>;
  restart: string;
  replicas: number;
  /** Gateway: the variable that holds each replica's port under host networking. */
  replicaPort?: string;
  /** Proxy: the command that replaces its upstream list, and the variable holding that list. */
  reload?: string[];
  upstreams?: string;
}

export interface HostNetworkDefinition {
  /** Variable → offset from the origin port (RELAYBOX_PORT). */
  portOffsets: Record<string, number>;
  variables: Record<string, string>;
}

/** compose.yaml parsed (merge keys applied) but not yet interpolated. */
export class StackDefinition {
  readonly dir: string;
  readonly hostNetwork: HostNetworkDefinition;
  private readonly raw: RawStack;

  /** Every `${VAR}` the file refers to: what `docker compose` would take from the shell. */
  readonly variableNames: readonly string[];

  constructor(file: string, overrides?: Record<string, unknown>) {
    this.dir = dirname(file);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (cause) {
      throw new OrchestratorError(
        'invalid_argument',
        `cannot read the stack definition ${file}: the docker engine needs a checkout's compose/ or the ` +
          `${CARRIED_STACK_FOLDER}/ folder the relaybox package carries (reinstall relaybox, or pass stackDir)`,
        { cause },
      );
    }
    this.variableNames = [
      ...new Set([...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] as string)),
    ];
    const doc = parse(text, { merge: true }) as RawStack;
    this.raw = overrides ? (deepMerge(doc, overrides) as RawStack) : doc;
    if (!this.raw?.services || typeof this.raw.services !== 'object')
      throw new OrchestratorError('invalid_argument', `${file} has no services`);
    const host = this.raw['x-relaybox']?.['host-network'] ?? {};
    this.hostNetwork = {
      portOffsets: { ...(host['port-offsets'] ?? {}) },
      variables: { ...(host.variables ?? {}) },
    };
    for (const name of this.serviceNames()) this.role(name);
  }

  serviceNames(): string[] {
    return Object.keys(this.raw.services);
  }

  role(name: string): ServiceRole {
    const role = this.rawService(name)['x-relaybox']?.role;
    if (!SERVICE_ROLES.includes(role as ServiceRole))
      throw new OrchestratorError(
        'invalid_argument',
        `service "${name}" of the stack definition has x-relaybox.role "${role}"; expected one of ${SERVICE_ROLES.join(', ')}`,
      );
    return role as ServiceRole;
  }

  serviceOfRole(role: ServiceRole): string | undefined {
    return this.serviceNames().find((name) => this.role(name) === role);
  }

  /** Named volumes with their labels, resolved with `vars`. */
  volumes(vars: Variables): { name: string; labels: Record<string, string> }[] {
    return Object.entries(this.raw.volumes ?? {}).map(([name, spec]) => ({
      name,
      labels: stringMap(interpolateDeep((spec as RawVolume | null)?.labels ?? {}, vars)),
    }));
  }

  /** Names in dependency order (a service after everything it depends on). */
  startOrder(): string[] {
    const order: string[] = [];
    const visit = (name: string, path: string[]) => {
      if (order.includes(name)) return;
      if (path.includes(name))
        throw new OrchestratorError('invalid_argument', `dependency cycle: ${[...path, name].join(' → ')}`);
      for (const dep of Object.keys(dependsOn(this.rawService(name)))) visit(dep, [...path, name]);
      order.push(name);
    };
    for (const name of this.serviceNames()) visit(name, []);
    return order;
  }

  service(name: string, vars: Variables): ServiceDefinition {
    const imageVariable = /^\$\{([A-Za-z_][A-Za-z0-9_]*)/.exec(this.rawService(name).image ?? '')?.[1];
    const raw = interpolateDeep(this.rawService(name), vars) as RawService;
    const meta = raw['x-relaybox'] ?? {};
    const build = raw.build;
    return {
      name,
      role: this.role(name),
      image: requireString(raw.image, `${name}.image`),
      ...(imageVariable ? { imageVariable } : {}),
      ...(build
        ? {
            build: {
              context: this.path(build.context ?? '.'),
              dockerfile: build.dockerfile ?? 'Dockerfile',
              args: stringMap(build.args ?? {}),
            },
          }
        : {}),
      ...(raw.command ? { command: argv(raw.command) } : {}),
      ...(raw.entrypoint ? { entrypoint: argv(raw.entrypoint) } : {}),
      environment: stringMap(raw.environment ?? {}),
      ports: (raw.ports ?? []).map((port) => parsePort(String(port), name)),
      mounts: (raw.volumes ?? []).map((volume) => this.parseMount(String(volume), name)),
      dependsOn: Object.entries(dependsOn(raw)).map(([service, spec]) => ({
        service,
        condition: spec?.condition === 'service_started' ? 'service_started' : 'service_healthy',
      })),
      ...(raw.healthcheck ? { healthcheck: parseHealthcheck(raw.healthcheck) } : {}),
      labels: stringMap(raw.labels ?? {}),
      restart: raw.restart ?? 'no',
      replicas: Number(raw.deploy?.replicas ?? 1),
      ...(meta['replica-port'] ? { replicaPort: String(meta['replica-port']) } : {}),
      ...(meta.reload ? { reload: argv(meta.reload) } : {}),
      ...(meta.upstreams ? { upstreams: String(meta.upstreams) } : {}),
    };
  }

  private rawService(name: string): RawService {
    const service = this.raw.services[name];
    if (!service)
      throw new OrchestratorError('service_not_found', `no service "${name}" in the stack definition`);
    return service;
  }

  private path(relative: string): string {
    return isAbsolute(relative) ? relative : resolve(this.dir, relative);
  }

  private parseMount(spec: string, service: string): MountDefinition {
    const [source, target, mode] = spec.split(':');
    if (!source || !target)
      throw new OrchestratorError('invalid_argument', `${service}: bad volume "${spec}"`);
    const bind = source.startsWith('.') || source.startsWith('/') || source.startsWith('~');
    return {
      type: bind ? 'bind' : 'volume',
      source: bind ? this.path(source) : source,
      target,
      readOnly: mode === 'ro',
    };
  }
}

/**
 * Reads `file`, else `<dir>/compose.yaml`, else the compose.yaml of {@link defaultStackDir}.
 * Relative build contexts and bind mounts resolve against the file's folder.
 */
export function readStackDefinition(
  options: { file?: string; dir?: string; overrides?: Record<string, unknown> } = {},
): StackDefinition {
  const file = options.file ?? join(options.dir ?? defaultStackDir(), 'compose.yaml');
  return new StackDefinition(file, options.overrides);
}

interface RawVolume {
  labels?: Record<string, string>;
}
interface RawService {
  image?: string;
  build?: { context?: string; dockerfile?: string; args?: Record<string, string> };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string> | string[];
  ports?: string[];
  volumes?: string[];
  depends_on?: string[] | Record<string, { condition?: string } | null>;
  healthcheck?: Record<string, unknown>;
  labels?: Record<string, string>;
  restart?: string;
  deploy?: { replicas?: number | string };
  'x-relaybox'?: { role?: string; 'replica-port'?: string; reload?: string[]; upstreams?: string };
}
interface RawStack {
  services: Record<string, RawService>;
  volumes?: Record<string, RawVolume | null>;
  'x-relaybox'?: {
    'host-network'?: { 'port-offsets'?: Record<string, number>; variables?: Record<string, string> };
  };
}

function dependsOn(raw: RawService): Record<string, { condition?: string } | null> {
  const deps = raw.depends_on ?? {};
  return Array.isArray(deps) ? Object.fromEntries(deps.map((d) => [d, null])) : deps;
}

function interpolateDeep(value: unknown, vars: Variables): unknown {
  if (typeof value === 'string') return interpolate(value, vars);
  if (Array.isArray(value)) return value.map((item) => interpolateDeep(item, vars));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateDeep(v, vars)]));
  return value;
}

/** Compose override semantics: maps merge key by key, everything else is replaced. */
function deepMerge(base: unknown, override: unknown): unknown {
  if (!isMap(base) || !isMap(override)) return override;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) out[key] = deepMerge(base[key], value);
  return out;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringMap(value: unknown): Record<string, string> {
  if (Array.isArray(value))
    return Object.fromEntries(
      value.map((entry) => {
        const [k, ...rest] = String(entry).split('=');
        return [k, rest.join('=')];
      }),
    );
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, v === null ? '' : String(v)]),
  );
}

function argv(value: string | string[]): string[] {
  return Array.isArray(value) ? value.map(String) : ['sh', '-c', value];
}

function requireString(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '')
    throw new OrchestratorError('invalid_argument', `stack definition: ${what} is required`);
  return value;
}

function parsePort(spec: string, service: string): PortDefinition {
  const parts = spec.split(':');
  const host = Number(parts.length === 3 ? parts[1] : parts[0]);
  const container = Number(parts.at(-1));
  if (!Number.isInteger(host) || !Number.isInteger(container))
    throw new OrchestratorError('invalid_argument', `${service}: bad port "${spec}"`);
  return { host, container };
}

function parseHealthcheck(raw: Record<string, unknown>): Healthcheck {
  const test = raw.test;
  return {
    test: Array.isArray(test) ? test.map(String) : ['CMD-SHELL', String(test)],
    intervalMs: duration(raw.interval, 30_000),
    timeoutMs: duration(raw.timeout, 30_000),
    retries: Number(raw.retries ?? 3),
    startPeriodMs: duration(raw.start_period, 0),
  };
}

/** Compose durations: `1m30s`, `2s`, `500ms`. */
export function duration(value: unknown, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  const text = String(value);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let consumed = 0;
  for (const match of text.matchAll(re)) {
    total += Number(match[1]) * (units[match[2] as string] ?? 0);
    consumed += match[0].length;
  }
  if (consumed !== text.length) throw new OrchestratorError('invalid_argument', `bad duration "${text}"`);
  return total;
}
