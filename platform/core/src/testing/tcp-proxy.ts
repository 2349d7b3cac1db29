import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';

type ProxyMode = 'open' | 'down' | 'frozen';

/** Delay added to every chunk, in each direction: `latencyMs` plus a uniform `0..jitterMs`. */
export interface LatencyToxic {
  latencyMs: number;
  jitterMs?: number;
}

/**
 * A TCP forwarder on 127.0.0.1 for outage tests (a small toxiproxy). `cut()` drops every connection
 * and refuses new ones (a crashed or restarting peer); `freeze()` keeps connections open but forwards
 * nothing (a silent network partition); `restore()` goes back to forwarding for new connections.
 * `latency()` slows every chunk down without reordering (a slow or distant peer); `clearToxics()`
 * removes it.
 */
export class TcpProxy {
  /** Connections accepted and forwarded since the proxy started. */
  accepted = 0;
  private mode: ProxyMode = 'open';
  private toxic: Required<LatencyToxic> | undefined;
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

  /** Open connections being forwarded. */
  get connections(): number {
    return this.pairs.size;
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

  /** From now on, on open and new connections alike. Order within a direction is kept. */
  latency(toxic: LatencyToxic): void {
    if (!(toxic.latencyMs >= 0) || !((toxic.jitterMs ?? 0) >= 0))
      throw new RangeError('latency and jitter must be >= 0');
    this.toxic = { latencyMs: toxic.latencyMs, jitterMs: toxic.jitterMs ?? 0 };
  }

  clearToxics(): void {
    this.toxic = undefined;
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
      const write = this.delayedWriter(from, to);
      from.on('data', (chunk: Buffer) => {
        if (this.mode === 'open') write(chunk);
      });
      to.on('drain', () => from.resume());
      from.on('error', teardown);
      from.on('close', teardown);
    }
  }

  /**
   * Writes chunks to `to`, each after the current toxic's delay. Chunks wait in one queue per
   * direction, released in arrival order: a chunk is never sent before the one that came earlier,
   * whatever their drawn delays (a TCP stream cannot reorder).
   */
  private delayedWriter(from: Socket, to: Socket): (chunk: Buffer) => void {
    const queue: Array<{ due: number; chunk: Buffer }> = [];
    let scheduled = false;
    const flush = (): void => {
      scheduled = false;
      const now = Date.now();
      while (queue.length > 0 && queue[0]!.due <= now) {
        const { chunk } = queue.shift()!;
        if (this.mode !== 'open' || to.destroyed) continue;
        if (!to.write(chunk)) from.pause();
      }
      if (queue.length > 0) {
        scheduled = true;
        setTimeout(flush, queue[0]!.due - now);
      }
    };
    return (chunk) => {
      const toxic = this.toxic;
      if (!toxic && queue.length === 0) {
        if (!to.write(chunk)) from.pause();
        return;
      }
      const delay = toxic ? toxic.latencyMs + Math.random() * toxic.jitterMs : 0;
      const last = queue.at(-1)?.due ?? 0;
      queue.push({ due: Math.max(Date.now() + delay, last), chunk });
      if (!scheduled) {
        scheduled = true;
        setTimeout(flush, Math.max(0, queue[0]!.due - Date.now()));
      }
    };
  }
}
