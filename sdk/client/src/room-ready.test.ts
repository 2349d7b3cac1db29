import type { RelayBoxError } from '@relaybox/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GAP_WAIT_MS } from './ordered-delivery.js';
import { flush, harness, messageFrame } from './test-support/relay-harness.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** The outcome of a promise so far: 'pending', 'resolved', or the rejection's code. */
function outcome(promise: Promise<unknown>): () => string {
  let state = 'pending';
  promise.then(
    () => (state = 'resolved'),
    (error: RelayBoxError) => (state = error.code),
  );
  return () => state;
}

async function joined(room = 'chat') {
  const h = harness();
  const socket = await h.connect({ connectionId: 'conn-1', resumeSecret: 's1' });
  return { h, socket, room: await h.join(room) };
}

describe('room.ready()', () => {
  it('resolves on the subscribe ack, after the messages the ack covered; at once afterwards', async () => {
    const { socket, room } = await joined();
    const seen: number[] = [];
    room.subscribe((m) => seen.push(m.seq));
    const ready = room.ready();
    const state = outcome(ready.then(() => expect(seen).toEqual([1, 2])));
    await flush();
    expect(state()).toBe('pending');
    // A subscribe frame that reached the server after two publishes: they are replayed before the ack.
    socket.push(messageFrame('chat', 1));
    socket.push(messageFrame('chat', 2));
    socket.ack(socket.last('subscribe'), { latestSeq: 0, replayed: 2 });
    await flush();
    expect(state()).toBe('resolved');
    const again = outcome(room.ready());
    await flush();
    expect(again()).toBe('resolved');
  });

  it('rejects with the refusal (and again until a new subscribe is sent)', async () => {
    const { socket, room } = await joined();
    const errors: string[] = [];
    room.on('error', (e) => errors.push(e.code));
    room.subscribe(() => {});
    const first = outcome(room.ready());
    socket.fail(socket.last('subscribe'), 'permission_denied');
    await flush();
    expect(first()).toBe('permission_denied');
    expect(errors).toEqual(['permission_denied']);
    const second = outcome(room.ready());
    await flush();
    expect(second()).toBe('permission_denied');
    // Another listener subscribes again: ready() waits for that one.
    room.subscribe(() => {});
    const third = outcome(room.ready());
    socket.ack(socket.last('subscribe'), { latestSeq: 0 });
    await flush();
    expect(third()).toBe('resolved');
  });

  it('a dropped socket rejects it with connection_closed; after the reconnect it waits for the re-subscribe', async () => {
    const { h, socket, room } = await joined();
    room.subscribe(() => {});
    const before = outcome(room.ready());
    const next = await h.dropAndReconnect();
    await flush();
    expect(before()).toBe('connection_closed');
    // While disconnected (the new socket is not acknowledged yet): at once.
    const whileDown = outcome(room.ready());
    await flush();
    expect(whileDown()).toBe('connection_closed');
    next.accept({ connectionId: 'conn-1', resumeSecret: 's2', resumed: true });
    await flush();
    // Connected, the room is being re-joined: it waits for the re-subscribe that follows.
    const restored = outcome(room.ready());
    next.ack(next.last('join'));
    await flush();
    expect(restored()).toBe('pending');
    next.ack(next.last('subscribe'), { latestSeq: 0, replayed: 0 });
    await flush();
    expect(restored()).toBe('resolved');
    expect(socket).not.toBe(next);
  });

  it('a gap recovery (a re-subscribe on the same socket) keeps the subscription accepted', async () => {
    const { socket, room } = await joined();
    room.subscribe(() => {});
    socket.ack(socket.last('subscribe'), { latestSeq: 0 });
    await flush();
    socket.push(messageFrame('chat', 1));
    socket.push(messageFrame('chat', 3));
    await vi.advanceTimersByTimeAsync(GAP_WAIT_MS);
    expect(socket.sent.filter((f) => f.type === 'subscribe')).toHaveLength(2);
    const during = outcome(room.ready());
    await flush();
    expect(during()).toBe('resolved');
  });

  it('rejects without listeners, when the last one is removed first, and once the room is left', async () => {
    const { socket, room } = await joined();
    const none = outcome(room.ready());
    const off = room.subscribe(() => {});
    const removed = outcome(room.ready());
    off();
    await flush();
    expect(none()).toBe('invalid_request');
    expect(removed()).toBe('invalid_request');
    room.subscribe(() => {});
    const left = outcome(room.ready());
    const leaving = room.leave();
    socket.ack(socket.last('leave'));
    await leaving;
    await flush();
    expect(left()).toBe('not_joined');
    const after = outcome(room.ready());
    await flush();
    expect(after()).toBe('not_joined');
  });
});
