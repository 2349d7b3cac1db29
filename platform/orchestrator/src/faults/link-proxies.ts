import { TcpProxy } from '@relaybox/core';
import type { FaultLink } from '@relaybox/protocol';
import { OrchestratorError } from '../engine.js';

export interface GatewayLinks {
  redis?: TcpProxy;
  amqp?: TcpProxy;
}

/**
 * One TCP proxy per gateway and service (Redis, RabbitMQ), started before the gateway so that its
 * every connection to them goes through a link the fault injector can cut or slow down. A Redis
 * Cluster URL is not proxied (its nodes advertise their own addresses): link faults then name it.
 */
export class LinkProxies {
  private readonly byGateway = new Map<string, GatewayLinks>();

  constructor(
    private readonly redisUrl: string,
    private readonly amqpUrl: string,
  ) {}

  /** Starts the gateway's proxies; resolves the URLs the gateway must use instead of the real ones. */
  async add(gateway: string): Promise<{ redisUrl: string; amqpUrl: string }> {
    await this.remove(gateway);
    const links: GatewayLinks = {};
    this.byGateway.set(gateway, links);
    const urls = { redisUrl: this.redisUrl, amqpUrl: this.amqpUrl };
    if (/^rediss?:\/\//.test(this.redisUrl)) {
      links.redis = await TcpProxy.start(target(this.redisUrl, 6379));
      urls.redisUrl = through(this.redisUrl, links.redis.port);
    }
    links.amqp = await TcpProxy.start(target(this.amqpUrl, 5672));
    urls.amqpUrl = through(this.amqpUrl, links.amqp.port);
    return urls;
  }

  async remove(gateway: string): Promise<void> {
    const links = this.byGateway.get(gateway);
    this.byGateway.delete(gateway);
    await Promise.all([links?.redis?.close(), links?.amqp?.close()]);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.byGateway.keys()].map((g) => this.remove(g)));
  }

  /** The proxies of `target` (an instance, `gateway` or undefined for all) and `link`, named. */
  select(target: string | undefined, link: FaultLink = 'all'): Array<{ name: string; proxy: TcpProxy }> {
    const gateways = target === undefined || target === 'gateway' ? [...this.byGateway.keys()] : [target];
    const found: Array<{ name: string; proxy: TcpProxy }> = [];
    for (const gateway of gateways) {
      const links = this.byGateway.get(gateway);
      if (!links)
        throw new OrchestratorError(
          'service_not_found',
          `no gateway "${gateway}" with proxied links (gateways: ${[...this.byGateway.keys()].join(', ') || 'none'})`,
        );
      for (const kind of ['redis', 'amqp'] as const) {
        const proxy = links[kind];
        if ((link === 'all' || link === kind) && proxy) found.push({ name: `${gateway}→${kind}`, proxy });
      }
    }
    if (found.length === 0)
      throw new OrchestratorError(
        'fault_unsupported',
        `no proxied ${link} link to fault (a Redis Cluster URL is not proxied)`,
      );
    return found;
  }
}

function target(url: string, defaultPort: number): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname || '127.0.0.1', port: Number(parsed.port || defaultPort) };
}

function through(url: string, port: number): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(port);
  return parsed.toString();
}
