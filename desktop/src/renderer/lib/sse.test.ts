import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { dataOf, followEventStream } from './sse.js';

describe('dataOf', () => {
  it('reads data lines and skips comments', () => {
    expect(dataOf('data: {"a":1}')).toBe('{"a":1}');
    expect(dataOf('data:x\ndata: y')).toBe('x\ny');
    expect(dataOf(': ping')).toBeUndefined();
    expect(dataOf('event: trace\ndata: z')).toBe('z');
  });
});

describe('followEventStream', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it('delivers events split across chunks, sends the token, and stops at the end', async () => {
    let auth: string | undefined;
    server = createServer((req, res) => {
      auth = req.headers.authorization;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': ping\n\ndata: {"n":1}\n\nda');
      setTimeout(() => res.end('ta: {"n":2}\r\n\r\n'), 20);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/stream`;
    const got: string[] = [];
    await followEventStream(url, 'secret-token', new AbortController().signal, (data) => got.push(data));
    expect(got).toEqual(['{"n":1}', '{"n":2}']);
    expect(auth).toBe('Bearer secret-token');
  });

  it('rejects with the status when the stream is refused', async () => {
    server = createServer((_req, res) => res.writeHead(401).end());
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/stream`;
    await expect(followEventStream(url, 'x', new AbortController().signal, () => {})).rejects.toMatchObject({
      status: 401,
    });
  });
});
