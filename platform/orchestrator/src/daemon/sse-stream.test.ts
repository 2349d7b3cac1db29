import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { SseStream } from './sse-stream.js';

/** A response whose socket buffer is "full" while `full` is set: write() returns false like Node's. */
class SlowResponse extends EventEmitter {
  full = false;
  written: string[] = [];
  headers: Record<string, string> | undefined;
  writableEnded = false;
  destroyed = false;
  closed = false;
  writeHead(_status: number, headers: Record<string, string>) {
    this.headers = headers;
    return this;
  }
  write(chunk: string): boolean {
    this.written.push(chunk);
    return !this.full;
  }
  end() {
    this.writableEnded = true;
  }
  destroy() {
    this.destroyed = true;
    this.emit('close');
  }
}

const open = (res: SlowResponse, max = 3) =>
  new SseStream(res as unknown as ServerResponse, { vary: 'Origin' }, max);
const data = (res: SlowResponse) => res.written.filter((c) => c.startsWith('data:'));

describe('SseStream', () => {
  it('writes SSE framing with the given headers', () => {
    const res = new SlowResponse();
    const stream = open(res);
    stream.send({ a: 1 });
    expect(res.headers).toMatchObject({ vary: 'Origin', 'content-type': 'text/event-stream; charset=utf-8' });
    expect(res.written).toEqual([': connected\n\n', 'data: {"a":1}\n\n']);
    stream.close();
  });

  it('holds events while the socket is full and flushes them in order on drain', () => {
    const res = new SlowResponse();
    const stream = open(res);
    res.full = true;
    stream.send(1); // accepted by the socket, which reports it is now full
    stream.send(2);
    stream.send(3);
    expect(data(res)).toEqual(['data: 1\n\n']);
    res.full = false;
    res.emit('drain');
    expect(data(res)).toEqual(['data: 1\n\n', 'data: 2\n\n', 'data: 3\n\n']);
    stream.close();
  });

  it('drops a client that stays too far behind and runs its cleanup once', () => {
    const res = new SlowResponse();
    const stream = open(res, 3);
    let cleanups = 0;
    stream.onClose(() => cleanups++);
    res.full = true;
    for (let i = 0; i < 10; i++) stream.send(i);
    expect(res.destroyed).toBe(true);
    expect(stream.isClosed).toBe(true);
    expect(cleanups).toBe(1);
    expect(data(res).length).toBe(1);
  });

  it('cleans up when the client disconnects, and runs late cleanups at once', () => {
    const res = new SlowResponse();
    const stream = open(res);
    let cleanups = 0;
    stream.onClose(() => cleanups++);
    res.emit('close');
    expect(cleanups).toBe(1);
    stream.onClose(() => cleanups++);
    expect(cleanups).toBe(2);
    stream.send('after close');
    expect(data(res)).toEqual([]);
  });
});
