import { PROTOCOL, type RoomMessage, TOKEN_PROTOCOL_PREFIX } from '@relaybox/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeJwt, flush, harness } from './test-support/relay-harness.js';

const message = (room: string, event: string, seq = 1): Record<string, unknown> => ({
  type: 'message',
  id: `m${seq}`,
  seq,
  room,
  event,
  data: { n: seq },
  clientId: 'other',
  timestamp: 1_700_000_000_000,
});

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('RelayBox connect', () => {
  it('offers relaybox.v1 and the token as subprotocols and resolves on connected', async () => {
    const token = fakeJwt({ sub: 'alice' });
    const h = harness({ token, url: 'https://gw.test:9000' });
    const connecting = h.relay.connect();
    expect(h.relay.connection.state).toBe('connecting');
    await flush();
    const socket = h.socket();
    expect(socket.url).toBe('wss://gw.test:9000/v1/ws');
    expect(socket.protocols).toEqual([PROTOCOL, `${TOKEN_PROTOCOL_PREFIX}${token}`]);

    let resolved = false;
    void connecting.then(() => {
      resolved = true;
    });
    socket.open();
    await flush();
    expect(resolved).toBe(false); // the upgrade alone is not the connection ack

    socket.push({
      type: 'connected',
      connectionId: 'c-42',
      clientId: 'alice',
      heartbeatMs: 15_000,
      limits: { maxFrameBytes: 65_536, maxRoomsPerConnection: 100 },
    });
    await connecting;
    expect(h.relay.connection.state).toBe('connected');
    expect(h.relay.connectionId).toBe('c-42');
    expect(h.relay.clientId).toBe('alice');
    expect(h.changes).toEqual([
      { previous: 'initialized', current: 'connecting' },
      { previous: 'connecting', current: 'connected' },
    ]);
  });

  it('connect() while connected resolves at once; close() ends in closed with code 1000', async () => {
    const h = harness();
    const socket = await h.connect();
    await expect(h.relay.connect()).resolves.toBeUndefined();
    await h.relay.close();
    expect(h.states()).toEqual(['connecting', 'connected', 'closed']);
    expect(socket.closedByClient).toEqual({ code: 1000, reason: '' });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.sockets).toHaveLength(1); // no reconnect
  });

  it('close() during connecting rejects connect()', async () => {
    const h = harness();
    const connecting = h.relay.connect();
    await flush();
    await h.relay.close();
    await expect(connecting).rejects.toMatchObject({ code: 'connection_closed' });
    expect(h.relay.connection.state).toBe('closed');
  });

  it('statechange listeners get an off function and can be removed with off()', async () => {
    const h = harness();
    const seen: string[] = [];
    const listener = (change: { current: string }) => seen.push(change.current);
    const off = h.relay.connection.on('statechange', listener);
    const connecting = h.relay.connect();
    off();
    await flush();
    h.socket().accept();
    await connecting;
    expect(seen).toEqual(['connecting']);
    h.relay.connection.on('statechange', listener);
    h.relay.connection.off('statechange', listener);
    await h.relay.close();
    expect(seen).toEqual(['connecting']);
  });
});

describe('rooms', () => {
  it('joins, subscribes once for all listeners and filters events on the client', async () => {
    const h = harness();
    const socket = await h.connect();
    const room = await h.join('chat:lobby');
    expect(socket.last('join')).toMatchObject({ room: 'chat:lobby' });

    const messages: string[] = [];
    const all: string[] = [];
    const offMessage = room.subscribe('message', (m: RoomMessage) => messages.push(m.id));
    room.subscribe((m: RoomMessage) => all.push(`${m.event}:${m.seq}`));
    expect(socket.sent.filter((f) => f.type === 'subscribe')).toHaveLength(1);
    socket.ack(socket.last('subscribe'));

    socket.push(message('chat:lobby', 'message', 1));
    socket.push(message('chat:lobby', 'typing', 2));
    socket.push(message('chat:other', 'message', 3)); // not joined: ignored
    expect(messages).toEqual(['m1']);
    expect(all).toEqual(['message:1', 'typing:2']);

    offMessage();
    socket.push(message('chat:lobby', 'message', 4));
    expect(messages).toEqual(['m1']);
    expect(socket.sent.some((f) => f.type === 'unsubscribe')).toBe(false); // one listener left

    room.unsubscribe();
    expect(socket.last('unsubscribe')).toMatchObject({ room: 'chat:lobby' });
    socket.push(message('chat:lobby', 'message', 5));
    expect(all).toEqual(['message:1', 'typing:2', 'message:4']);
  });

  it('unsubscribe(event, fn) and unsubscribe(fn) remove the matching listeners only', async () => {
    const h = harness();
    const socket = await h.connect();
    const room = await h.join('r');
    const calls: string[] = [];
    const a = () => calls.push('a');
    const b = () => calls.push('b');
    room.subscribe('x', a);
    room.subscribe('y', a);
    room.subscribe('x', b);
    room.unsubscribe('x', a);
    socket.push(message('r', 'x', 1));
    socket.push(message('r', 'y', 2));
    expect(calls).toEqual(['b', 'a']);
    room.unsubscribe(a);
    socket.push(message('r', 'y', 3));
    expect(calls).toEqual(['b', 'a']);
    room.unsubscribe('x');
    expect(socket.sent.filter((f) => f.type === 'unsubscribe')).toHaveLength(1);
  });

  it('a throwing listener neither stops the others nor the socket; it is reported on connection error', async () => {
    const h = harness();
    const socket = await h.connect();
    const room = await h.join('r');
    const seen: number[] = [];
    room.subscribe(() => {
      throw new Error('boom');
    });
    room.subscribe((m) => seen.push(m.seq));
    socket.push(message('r', 'e', 1));
    socket.push(message('r', 'e', 2));
    expect(seen).toEqual([1, 2]);
    expect(h.errors).toHaveLength(2);
    expect(h.errors[0]).toMatchObject({ code: 'internal_error' });
    expect(h.errors[0]?.cause).toBeInstanceOf(Error);
    expect(h.relay.connection.state).toBe('connected');
  });

  it('join returns the joined room again, rejects bad names and refused joins with typed errors', async () => {
    const h = harness();
    const socket = await h.connect();
    const first = h.relay.join('a');
    const second = h.relay.join('a');
    socket.ack(socket.last('join'));
    expect(await first).toBe(await second);
    expect(await h.relay.join('a')).toBe(await first);
    expect(socket.sent.filter((f) => f.type === 'join')).toHaveLength(1);

    await expect(h.relay.join('bad room')).rejects.toMatchObject({ code: 'invalid_room_name' });
    const refused = h.relay.join('secret');
    socket.fail(socket.last('join'), 'permission_denied', 'no subscribe on secret');
    await expect(refused).rejects.toMatchObject({
      name: 'RelayBoxError',
      code: 'permission_denied',
      status: 403,
      message: 'no subscribe on secret',
    });
  });

  it('leave sends leave, drops listeners and makes publish reject with not_joined', async () => {
    const h = harness();
    const socket = await h.connect();
    const room = await h.join('r');
    const seen: number[] = [];
    room.subscribe((m) => seen.push(m.seq));
    const leaving = room.leave();
    socket.ack(socket.last('leave'));
    await leaving;
    expect(room.joined).toBe(false);
    socket.push(message('r', 'e', 1));
    expect(seen).toEqual([]);
    await expect(room.publish('e', 1)).rejects.toMatchObject({ code: 'not_joined' });
    expect(() => room.subscribe(() => {})).toThrow(/has been left/);
  });
});

describe('requests', () => {
  it('publish resolves with the ack result and sends the idempotency key', async () => {
    const h = harness();
    const socket = await h.connect();
    const room = await h.join('r');
    const publishing = room.publish('message', { text: 'hi' }, { idempotencyKey: 'k1' });
    const frame = socket.last('publish');
    expect(frame).toMatchObject({ room: 'r', event: 'message', data: { text: 'hi' }, idempotencyKey: 'k1' });
    expect(frame.ref).toBeGreaterThan(socket.last('join').ref);
    socket.ack(frame, { id: 'm1', seq: 7, timestamp: 123 });
    await expect(publishing).resolves.toEqual({ id: 'm1', seq: 7, timestamp: 123 });
    await expect(room.publish('', 1)).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('publish times out after requestTimeoutMs, and a late ack is ignored', async () => {
    const h = harness({ requestTimeoutMs: 2_000 });
    const socket = await h.connect();
    const room = await h.join('r');
    const publishing = room.publish('e', null);
    const assertion = expect(publishing).rejects.toMatchObject({ code: 'timeout', retryable: true });
    await vi.advanceTimersByTimeAsync(2_000);
    await assertion;
    socket.ack(socket.last('publish'), { id: 'late', seq: 1, timestamp: 1 });
    expect(h.relay.connection.state).toBe('connected');
  });

  it('error frames reject with typed errors; an error without ref is emitted on the connection', async () => {
    const h = harness();
    const socket = await h.connect();
    const room = await h.join('r');
    const publishing = room.publish('e', 1);
    socket.fail(socket.last('publish'), 'rate_limited', 'slow down');
    await expect(publishing).rejects.toMatchObject({ code: 'rate_limited', status: 429, retryable: true });

    socket.push({ type: 'error', error: { code: 'invalid_frame', message: 'frame is not valid JSON' } });
    expect(h.errors).toEqual([expect.objectContaining({ code: 'invalid_frame' })]);
    const unknown = room.publish('e', 1);
    socket.fail(socket.last('publish'), 'something_new', 'from a newer server');
    await expect(unknown).rejects.toMatchObject({ code: 'internal_error', message: 'from a newer server' });
  });

  it('pending requests reject with connection_closed when the socket closes', async () => {
    const h = harness();
    const socket = await h.connect();
    const room = await h.join('r');
    const a = room.publish('e', 1);
    const b = room.publish('e', 2);
    socket.drop(1006);
    await expect(a).rejects.toMatchObject({ code: 'connection_closed', retryable: true });
    await expect(b).rejects.toMatchObject({ code: 'connection_closed' });
  });

  it('requests made while not connected reject at once, without being queued', async () => {
    const h = harness();
    await expect(h.relay.join('r')).rejects.toMatchObject({ code: 'connection_closed' });
    const socket = await h.connect();
    const room = await h.join('r');
    socket.drop(1006);
    await expect(room.publish('e', 1)).rejects.toMatchObject({ code: 'connection_closed' });
    await vi.advanceTimersByTimeAsync(1_000);
    await flush();
    h.socket().accept();
    expect(h.socket().sent.some((f) => f.type === 'publish')).toBe(false);
  });

  it('a frame over the server limit is rejected locally', async () => {
    const h = harness();
    const socket = await h.connect({ limits: { maxFrameBytes: 100, maxRoomsPerConnection: 10 } });
    const room = await h.join('r');
    await expect(room.publish('e', 'x'.repeat(200))).rejects.toMatchObject({ code: 'frame_too_large' });
    expect(socket.sent.some((f) => f.type === 'publish')).toBe(false);
  });
});
