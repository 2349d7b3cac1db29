import type { ServiceDefinition, StackDefinition } from '../stack-definition.js';
import type { Variables } from '../stack-interpolation.js';

export type NetworkMode = 'bridge' | 'host';

export interface PlanOptions {
  stack: string;
  /** The origin port (nginx). */
  port: number;
  network: NetworkMode;
  devApiKey: string;
  adminToken: string;
  cursorSecret: string;
  /** Gateway replicas at start (the proxy's first upstream list under host networking). */
  gateways: number;
  /** Extra compose variables (base images, ports); they win over the host-network defaults. */
  variables: Variables;
}

/** One container of the stack: `redis`, `gateway-2`, `nginx`. */
export interface Instance {
  name: string;
  containerName: string;
  replica: number | undefined;
  /** Under host networking, the port this replica listens on. */
  port: number | undefined;
  definition: ServiceDefinition;
}

export const STACK_LABEL = 'dev.relaybox.stack';
export const SERVICE_LABEL = 'dev.relaybox.service';
export const INSTANCE_LABEL = 'dev.relaybox.instance';
export const ROLE_LABEL = 'dev.relaybox.role';

/**
 * Turns the stack definition plus the options of one `up` into concrete containers: the compose
 * variables (ports derived from the origin port under host networking), each replica's name and
 * port, and the proxy's upstream list.
 */
export class StackPlan {
  readonly variables: Variables;

  constructor(
    readonly definition: StackDefinition,
    readonly options: PlanOptions,
  ) {
    const host: Record<string, string> = {};
    if (options.network === 'host') {
      Object.assign(host, definition.hostNetwork.variables);
      for (const [name, offset] of Object.entries(definition.hostNetwork.portOffsets))
        host[name] = String(options.port + offset);
    }
    const variables: Record<string, string | undefined> = {
      ...host,
      ...options.variables,
      RELAYBOX_STACK: options.stack,
      RELAYBOX_PORT: String(options.port),
      RELAYBOX_DEV_API_KEY: options.devApiKey,
      RELAYBOX_ADMIN_TOKEN: options.adminToken,
      RELAYBOX_CURSOR_SECRET: options.cursorSecret,
    };
    this.variables = variables;
    const proxy = definition.serviceOfRole('proxy');
    const gateway = definition.serviceOfRole('gateway');
    if (options.network === 'host' && proxy && gateway) {
      const proxyDef = definition.service(proxy, variables);
      if (proxyDef.upstreams)
        variables[proxyDef.upstreams] = this.upstreams(proxyDef, this.instances(gateway, options.gateways));
    }
  }

  get networkName(): string {
    return `${this.options.stack}_default`;
  }

  volumeName(volume: string): string {
    return `${this.options.stack}_${volume}`;
  }

  /** The instances of a service: one, or `<service>-1..N` for a replicated (gateway) service. */
  instances(service: string, replicas?: number): Instance[] {
    const base = this.definition.service(service, this.variables);
    if (base.role !== 'gateway') return [this.instance(service, undefined)];
    const count = replicas ?? base.replicas;
    return Array.from({ length: count }, (_, i) => this.instance(service, i + 1));
  }

  instance(service: string, replica: number | undefined): Instance {
    const name = replica === undefined ? service : `${service}-${replica}`;
    const base = this.definition.service(service, this.variables);
    const port = replica !== undefined && base.replicaPort ? this.replicaPort(base, replica) : undefined;
    const definition =
      port === undefined
        ? base
        : this.definition.service(service, { ...this.variables, [base.replicaPort as string]: String(port) });
    // Each platform process knows its own name (node id in logs, metrics and the inspector).
    if (base.role === 'gateway' || base.role === 'worker') definition.environment.RELAYBOX_NODE_ID = name;
    return { name, containerName: `${this.options.stack}-${name}`, replica, port, definition };
  }

  /** Under host networking every replica needs its own port; on a bridge they share one. */
  private replicaPort(definition: ServiceDefinition, replica: number): number | undefined {
    if (this.options.network !== 'host') return undefined;
    const offset = this.definition.hostNetwork.portOffsets[definition.replicaPort as string] ?? 100;
    return this.options.port + offset + replica;
  }

  /** The proxy's upstream list for these gateway instances. */
  upstreams(proxy: ServiceDefinition, gateways: Instance[]): string {
    if (this.options.network !== 'host') {
      // On a network the service's DNS name resolves to every running replica when nginx
      // (re)loads: the definition's own default list is right.
      return proxy.environment[proxy.upstreams ?? ''] ?? '';
    }
    return gateways.map((gateway) => `127.0.0.1:${gateway.port}`).join(' ');
  }

  /** Host ports `up` will bind: checked before anything starts. */
  hostPorts(gatewayReplicas: number): { port: number; what: string }[] {
    const ports: { port: number; what: string }[] = [];
    for (const service of this.definition.serviceNames()) {
      if (this.options.network === 'host') {
        for (const instance of this.instances(service, gatewayReplicas)) {
          if (instance.port !== undefined) ports.push({ port: instance.port, what: instance.name });
        }
      } else {
        for (const port of this.definition.service(service, this.variables).ports)
          ports.push({ port: port.host, what: service });
      }
    }
    if (this.options.network === 'host') {
      const replicaVars = new Set(
        this.definition.serviceNames().map((s) => this.definition.service(s, this.variables).replicaPort),
      );
      ports.push({ port: this.options.port, what: 'the stack origin (nginx)' });
      for (const [name, offset] of Object.entries(this.definition.hostNetwork.portOffsets))
        if (!replicaVars.has(name))
          ports.push({ port: Number(this.variables[name] ?? this.options.port + offset), what: name });
    }
    return ports;
  }
}
