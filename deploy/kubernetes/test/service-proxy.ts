import type { AddressInfo } from 'node:net';
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface Endpoint {
  pod: string;
  ip: string;
  port: number;
}

/**
 * What kube-proxy does for a Service, on a host port: each new TCP connection goes to the next
 * ready, non-terminating endpoint (round robin); an established connection stays with its pod
 * until one side closes it, even while that pod terminates. The test's clients reach the gateways
 * through it as they would through the Service behind the ingress.
 */
export class ServiceProxy {
  private next = 0;
  private readonly sockets = new Set<Socket>();
  /** Connections per pod, for the report. */
  readonly connections = new Map<string, number>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(endpoints: () => Endpoint[]): Promise<ServiceProxy> {
    let proxy: ServiceProxy | undefined;
    const server = createServer((client) => proxy?.forward(client, endpoints()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new ServiceProxy(server, (server.address() as AddressInfo).port);
    return proxy;
  }

  private forward(client: Socket, endpoints: Endpoint[]): void {
    const target = endpoints[this.next++ % Math.max(1, endpoints.length)];
    if (!target) {
      client.destroy();
      return;
    }
    this.connections.set(target.pod, (this.connections.get(target.pod) ?? 0) + 1);
    const upstream = connect({ host: target.ip, port: target.port });
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream).pipe(client);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
