import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';

type ProxyMode = 'open' | 'down' | 'frozen';

/** Delay added to every chunk, in each direction: `latencyMs` plus a uniform `0..jitterMs`. */
export interface LatencyToxic {
  latencyMs: number;
  jitterMs?: number;
}

/**
 * What a slow or lossy link does to every chunk, in each direction (all optional, all combined).
 * - `latencyMs` + uniform `0..jitterMs`: delay; order within a direction is kept.
 * - `bandwidthBytesPerSec`: chunks leave no faster than this rate (a thin pipe).
 * - `dropRate` (0..1): each chunk, with this probability, resets its connection instead of being
 *   forwarded. A TCP stream cannot lose bytes and stay usable: on a real lossy link the peers see
 *   stalls and resets, which is what the services behind the proxy must survive.
 */
export interface LinkToxics extends Partial<LatencyToxic> {
  bandwidthBytesPerSec?: number;
  dropRate?: number;
}

interface Toxics {
  latencyMs: number;
  jitterMs: number;
  bandwidthBytesPerSec: number | undefined;
  dropRate: number;
}

/**
 * A TCP forwarder on 127.0.0.1 (a small toxiproxy): the orchestrator puts one between each gateway
 * and each of its services to inject link faults, and the outage tests use it directly.
 * `cut()` drops every connection and refuses new ones (a crashed or restarting peer); `freeze()`
 * keeps connections open but forwards nothing (a silent network partition); `restore()` goes back to
 * forwarding for new connections. `toxics()` slows or breaks every chunk (see `LinkToxics`);
 * `clearToxics()` removes them.
 */
export class TcpProxy {
  /** Connections accepted and forwarded since the proxy started. */
  accepted = 0;
  /** Connections reset by the `dropRate` toxic. */
  dropped = 0;
  private mode: ProxyMode = 'open';
  private toxic: Toxics | undefined;
  private readonly pairs = new Set<[Socket, Socket]>();

  private constructor(
    private readonly server: Server,
    private readonly target: { host: string; port: number },
  ) {
    server.on('connection', (client) => this.forward(client));
  }

  /** Listens on 127.0.0.1:`port` (default 0: a free port) and forwards to `target`. */
  static async start(target: { host: string; port: number }, port = 0): Promise<TcpProxy> {
    const server = createServer();
    const proxy = new TcpProxy(server, target);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
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

  /** `open`, `down` (cut) or `frozen`. */
  get state(): ProxyMode {
    return this.mode;
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
    this.toxics(toxic);
  }

  /** Replaces the toxics, on open and new connections alike; throws RangeError on a bad value. */
  toxics(toxics: LinkToxics): void {
    const { latencyMs = 0, jitterMs = 0, bandwidthBytesPerSec, dropRate = 0 } = toxics;
    if (!(latencyMs >= 0) || !(jitterMs >= 0)) throw new RangeError('latency and jitter must be >= 0');
    if (bandwidthBytesPerSec !== undefined && !(bandwidthBytesPerSec > 0))
      throw new RangeError('bandwidth must be > 0 bytes per second');
    if (!(dropRate >= 0 && dropRate <= 1)) throw new RangeError('drop rate must be from 0 to 1');
    this.toxic = { latencyMs, jitterMs, bandwidthBytesPerSec, dropRate };
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
        if (this.mode !== 'open') return;
        if (this.toxic && this.toxic.dropRate > 0 && Math.random() < this.toxic.dropRate) {
          this.dropped++;
          teardown();
          return;
        }
        write(chunk);
      });
      to.on('drain', () => from.resume());
      from.on('error', teardown);
      from.on('close', teardown);
    }
  }

  /**
   * Writes chunks to `to`, each after the current toxic's delay (and its transfer time at the
   * toxic's bandwidth). Chunks wait in one queue per direction, released in arrival order: a chunk
   * is never sent before the one that came earlier, whatever their drawn delays (a TCP stream
   * cannot reorder).
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
      const slowed = toxic && (toxic.latencyMs > 0 || toxic.jitterMs > 0 || toxic.bandwidthBytesPerSec);
      if (!slowed && queue.length === 0) {
        if (!to.write(chunk)) from.pause();
        return;
      }
      const delay = toxic ? toxic.latencyMs + Math.random() * toxic.jitterMs : 0;
      const transfer = toxic?.bandwidthBytesPerSec ? (chunk.length / toxic.bandwidthBytesPerSec) * 1000 : 0;
      const last = queue.at(-1)?.due ?? 0;
      queue.push({ due: Math.max(Date.now() + delay, last) + transfer, chunk });
      if (!scheduled) {
        scheduled = true;
        setTimeout(flush, Math.max(0, queue[0]!.due - Date.now()));
      }
    };
  }
}
