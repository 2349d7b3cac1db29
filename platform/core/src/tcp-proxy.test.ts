import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TcpProxy } from './tcp-proxy.js';
import { waitFor } from './testing/wait-for.js';

// A local echo server behind the proxy: no external service involved.
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function echoProxy(): Promise<TcpProxy> {
  const server: Server = createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const proxy = await TcpProxy.start({ host: '127.0.0.1', port: (server.address() as AddressInfo).port });
  cleanups.push(() => proxy.close());
  return proxy;
}

async function client(proxy: TcpProxy): Promise<{ socket: Socket; received: () => string }> {
  const socket = connect(proxy.port, '127.0.0.1');
  let text = '';
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  cleanups.push(() => {
    socket.destroy();
  });
  return { socket, received: () => text };
}

describe('TcpProxy', () => {
  it('latency: every chunk is delayed at least the latency each way, and order is kept despite jitter', async () => {
    const proxy = await echoProxy();
    const { socket, received } = await client(proxy);
    proxy.latency({ latencyMs: 60, jitterMs: 40 });
    const sentAt = Date.now();
    socket.write('first;');
    await waitFor(() => received().length > 0, 5000, 'the echo');
    // Through the proxy twice (there and back): at least twice the latency.
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(120);
    const expected = ['first;'];
    for (let i = 0; i < 200; i++) {
      socket.write(`${i};`);
      expected.push(`${i};`);
      if (i % 20 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await waitFor(() => received() === expected.join(''), 10_000, 'every chunk in order');
  });

  it('clearToxics: forwards without delay again; cut drops open connections and refuses new ones', async () => {
    const proxy = await echoProxy();
    proxy.latency({ latencyMs: 5_000 });
    proxy.clearToxics();
    const { socket, received } = await client(proxy);
    socket.write('ping');
    await waitFor(() => received() === 'ping', 2000, 'the undelayed echo');
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    proxy.cut();
    await closed;
    expect(proxy.connections).toBe(0);
    const refused = connect(proxy.port, '127.0.0.1');
    refused.on('error', () => {});
    await new Promise<void>((resolve) => refused.once('close', () => resolve()));
    proxy.restore();
    const again = await client(proxy);
    again.socket.write('back');
    await waitFor(() => again.received() === 'back', 2000, 'the echo after restore');
  });

  it('refuses a negative latency, a zero bandwidth and a drop rate above 1', async () => {
    const proxy = await echoProxy();
    expect(() => proxy.latency({ latencyMs: -1 })).toThrow(RangeError);
    expect(() => proxy.toxics({ bandwidthBytesPerSec: 0 })).toThrow(RangeError);
    expect(() => proxy.toxics({ dropRate: 1.5 })).toThrow(RangeError);
  });

  it('bandwidth: bytes leave no faster than the rate, in order', async () => {
    const proxy = await echoProxy();
    const { socket, received } = await client(proxy);
    proxy.toxics({ bandwidthBytesPerSec: 4000 });
    const sentAt = Date.now();
    const payload = 'x'.repeat(999).concat('!');
    socket.write(payload);
    await waitFor(() => received() === payload, 5000, 'the throttled echo');
    // 1000 bytes through the proxy twice at 4000 B/s: at least 2 x 250 ms.
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(450);
  });

  it('dropRate 1: the first chunk resets the connection; new connections are still accepted', async () => {
    const proxy = await echoProxy();
    const { socket } = await client(proxy);
    proxy.toxics({ dropRate: 1 });
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write('lost');
    await closed;
    expect(proxy.dropped).toBe(1);
    proxy.clearToxics();
    const again = await client(proxy);
    again.socket.write('kept');
    await waitFor(() => again.received() === 'kept', 2000, 'the echo once the toxic is gone');
  });
});
