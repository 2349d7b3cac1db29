import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';

type ProxyMode = 'open' | 'down' | 'frozen';

/**
 * A TCP forwarder on 127.0.0.1 for outage tests. `cut()` drops every connection and refuses new ones
 * (a crashed or restarting peer); `freeze()` keeps connections open but forwards nothing (a silent
 * network partition); `restore()` goes back to forwarding for new connections.
 */
export class TcpProxy {
  /** Connections accepted and forwarded since the proxy started. */
  accepted = 0;
  private mode: ProxyMode = 'open';
  private readonly pairs = new Set<[Socket, Socket]>();

  private constructor(
    private readonly server: Server,
    private readonly target: { host: string; port: number },
  ) {
    server.on('connection', (client) => this.forward(client));
  }

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const server = createServer();
    const proxy = new TcpProxy(server, target);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  cut(): void {
    this.mode = 'down';
    for (const [client, upstream] of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
  }

  freeze(): void {
    this.mode = 'frozen';
  }

  restore(): void {
    this.cut();
    this.mode = 'open';
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private forward(client: Socket): void {
    if (this.mode !== 'open') {
      client.destroy();
      return;
    }
    this.accepted++;
    const upstream = connect(this.target.port, this.target.host);
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    const teardown = (): void => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const [from, to] of [pair, [upstream, client] as const]) {
      from.on('data', (chunk) => {
        if (this.mode !== 'open') return;
        if (!to.write(chunk)) from.pause();
      });
      to.on('drain', () => from.resume());
      from.on('error', teardown);
      from.on('close', teardown);
    }
  }
}
