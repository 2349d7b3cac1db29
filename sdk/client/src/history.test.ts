import type { RoomMessage } from '@relaybox/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HistoryPage } from './room-history.js';
import { flush, harness } from './test-support/relay-harness.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const stored = (seq: number): RoomMessage => ({
  id: `m${seq}`,
  seq,
  room: 'chat',
  event: 'message',
  data: { n: seq },
  clientId: 'ann',
  timestamp: 1_700_000_000_000 + seq,
});

async function joined() {
  const h = harness();
  const socket = await h.connect();
  const room = await h.join('chat');
  return { h, socket, room };
}

describe('room.history', () => {
  it('get sends the query, and next() pages on with the cursor until it resolves null', async () => {
    const { socket, room } = await joined();
    const query = { direction: 'forwards', limit: 2, fromSeq: 3, toSeq: 9, event: 'message' } as const;
    const first = room.history.get({ ...query, start: 1, end: 2 });
    const request = socket.last('history');
    expect(request).toEqual({
      type: 'history',
      ref: expect.any(Number),
      room: 'chat',
      query: { ...query, start: 1, end: 2 },
    });
    socket.ack(request, { items: [stored(3), stored(4)], hasNext: true, next: 'cursor-1' });
    const page: HistoryPage = await first;
    expect(page.items.map((m) => m.seq)).toEqual([3, 4]);
    expect(page.hasNext).toBe(true);

    const second = page.next();
    const nextRequest = socket.last('history');
    expect(nextRequest.query).toEqual({ ...query, start: 1, end: 2, cursor: 'cursor-1' });
    socket.ack(nextRequest, { items: [stored(5)], hasNext: false });
    const last = await second;
    expect(last?.items).toEqual([stored(5)]);
    expect(last?.hasNext).toBe(false);

    const count = socket.sent.length;
    await expect(last!.next()).resolves.toBeNull();
    expect(socket.sent).toHaveLength(count);
  });

  it('sends an empty query by default and treats hasNext without a cursor as the last page', async () => {
    const { socket, room } = await joined();
    const getting = room.history.get();
    expect(socket.last('history').query).toEqual({});
    socket.ack(socket.last('history'), { items: [], hasNext: true });
    const page = await getting;
    expect(page.hasNext).toBe(false);
    await expect(page.next()).resolves.toBeNull();
  });

  it('rejects bad params with invalid_request before sending, and keeps no user cursor', async () => {
    const { socket, room } = await joined();
    await expect(room.history.get({ limit: 0 })).rejects.toMatchObject({
      code: 'invalid_request',
      message: expect.stringMatching(/"limit"/),
    });
    await expect(room.history.get({ direction: 'up' as 'forwards' })).rejects.toMatchObject({
      code: 'invalid_request',
    });
    await expect(room.history.get({ fromSeq: 0 })).rejects.toMatchObject({ code: 'invalid_request' });
    expect(socket.sent.some((f) => f.type === 'history')).toBe(false);

    void room.history.get({ limit: 5, cursor: 'forged' } as never);
    expect(socket.last('history').query).toEqual({ limit: 5 });
  });

  it('maps error frames, malformed answers and drops to typed errors', async () => {
    const { h, socket, room } = await joined();
    const denied = room.history.get();
    socket.fail(socket.last('history'), 'permission_denied', 'no history on chat');
    await expect(denied).rejects.toMatchObject({ code: 'permission_denied', status: 403 });

    const malformed = room.history.get();
    socket.ack(socket.last('history'), { rows: [] });
    await expect(malformed).rejects.toMatchObject({ code: 'internal_error' });

    const first = room.history.get();
    socket.ack(socket.last('history'), { items: [stored(1)], hasNext: true, next: 'c' });
    const page = await first;
    socket.drop(1006);
    await expect(page.next()).rejects.toMatchObject({ code: 'connection_closed' });
    await flush();
    expect(h.relay.connection.state).toBe('disconnected');
  });

  it('a room that was left rejects with not_joined, next() included', async () => {
    const { socket, room } = await joined();
    const first = room.history.get();
    socket.ack(socket.last('history'), { items: [], hasNext: true, next: 'c' });
    const page = await first;
    const leaving = room.leave();
    socket.ack(socket.last('leave'));
    await leaving;
    await expect(room.history.get()).rejects.toMatchObject({ code: 'not_joined' });
    await expect(page.next()).rejects.toMatchObject({ code: 'not_joined' });
  });
});
