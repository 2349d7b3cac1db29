import { CloseCode, PROTOCOL, RESUME_PROTOCOL_PREFIX, TOKEN_PROTOCOL_PREFIX } from '@relaybox/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DiscontinuityInfo } from './room.js';
import type { FakeWebSocket } from './test-support/fake-web-socket.js';
import { fakeJwt, flush, harness, messageFrame } from './test-support/relay-harness.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const resumeOffers = (socket: FakeWebSocket) =>
  socket.protocols.filter((protocol) => protocol.startsWith(RESUME_PROTOCOL_PREFIX));

/** Connected, joined to `room`, one listener recording seqs, subscribe acked with `latestSeq`. */
async function subscribed(room = 'chat', latestSeq?: number) {
  const h = harness();
  const socket = await h.connect({ connectionId: 'conn-1', resumeSecret: 's1' });
  const joined = await h.join(room);
  const seqs: number[] = [];
  joined.subscribe((m) => seqs.push(m.seq));
  socket.ack(socket.last('subscribe'), latestSeq === undefined ? undefined : { latestSeq });
  await flush();
  return { h, socket, room: joined, seqs };
}

/** Reconnects, acknowledges `connected` and the re-join; returns the new socket. */
async function reconnect(h: ReturnType<typeof harness>, connected: Parameters<FakeWebSocket['accept']>[0]) {
  const socket = await h.dropAndReconnect();
  socket.accept(connected);
  for (const join of socket.sent.filter((f) => f.type === 'join')) socket.ack(join);
  await flush();
  return socket;
}

describe('resume', () => {
  it('offers the latest connectionId and secret on every reconnect, never on the first connect', async () => {
    const token = fakeJwt({ sub: 'client-1' });
    const h = harness({ token });
    const first = await h.connect({ connectionId: 'conn-1', resumeSecret: 's1' });
    expect(resumeOffers(first)).toEqual([]);

    const second = await h.dropAndReconnect();
    expect(second.protocols).toEqual([
      PROTOCOL,
      `${TOKEN_PROTOCOL_PREFIX}${token}`,
      'relaybox.resume.conn-1.s1',
    ]);
    second.accept({ connectionId: 'conn-1', resumeSecret: 's2', resumed: true });
    expect(h.relay.connectionId).toBe('conn-1');

    // A failed attempt keeps the offer; the secret is the one of the last `connected`.
    const third = await h.dropAndReconnect();
    expect(resumeOffers(third)).toEqual(['relaybox.resume.conn-1.s2']);
    const fourth = await h.dropAndReconnect();
    expect(resumeOffers(fourth)).toEqual(['relaybox.resume.conn-1.s2']);

    // Refused (window passed): a fresh connection, whose identity is offered next time.
    fourth.accept({
      connectionId: 'conn-9',
      resumeSecret: 's9',
      resumed: false,
      resumeError: { code: 'not_found', message: 'no resumable session' },
    });
    expect(h.relay.connectionId).toBe('conn-9');
    expect(h.relay.connection.state).toBe('connected');
    expect(resumeOffers(await h.dropAndReconnect())).toEqual(['relaybox.resume.conn-9.s9']);
  });

  it('does not offer to resume after close() or after failed', async () => {
    const h = harness();
    await h.connect({ connectionId: 'conn-1', resumeSecret: 's1' });
    await h.relay.close();
    await h.connect({ connectionId: 'conn-2', resumeSecret: 's2' });
    expect(resumeOffers(h.socket())).toEqual([]);

    h.socket().drop(CloseCode.PolicyViolation, 'too many invalid frames');
    expect(h.relay.connection.state).toBe('failed');
    void h.relay.connect();
    await flush();
    expect(resumeOffers(h.socket())).toEqual([]);
  });

  it('offers nothing when the server sent no usable resume secret', async () => {
    const h = harness();
    await h.connect({ connectionId: 'conn-1', resumeSecret: undefined });
    expect(resumeOffers(await h.dropAndReconnect())).toEqual([]);
    h.socket().accept({ connectionId: 'conn 2', resumeSecret: 'x' }); // not a subprotocol token
    expect(resumeOffers(await h.dropAndReconnect())).toEqual([]);
  });

  it('tells a resumed connection about rooms left while disconnected, and drops unwanted subscriptions', async () => {
    const { h } = await subscribed('chat', 0);
    const other = await h.join('other');
    const chat = await h.relay.join('chat');
    h.socket().drop(1006);
    await other.leave(); // offline: nothing to send now
    chat.unsubscribe();
    const socket = await reconnect(h, { connectionId: 'conn-1', resumeSecret: 's2', resumed: true });
    expect(socket.sent.map((f) => [f.type, 'room' in f ? f.room : ''])).toEqual([
      ['leave', 'other'],
      ['join', 'chat'],
      ['unsubscribe', 'chat'],
    ]);

    const fresh = await reconnect(h, { connectionId: 'conn-2', resumeSecret: 's3', resumed: false });
    expect(fresh.sent.map((f) => f.type)).toEqual(['join']);
  });
});

describe('delivery across reconnects', () => {
  it('re-subscribes with fromSeq = last delivered seq + 1, every seq once, in order', async () => {
    const { h, socket, seqs } = await subscribed('chat', 0);
    for (const seq of [1, 2, 3]) socket.push(messageFrame('chat', seq));

    const second = await reconnect(h, { connectionId: 'conn-1', resumeSecret: 's2', resumed: true });
    const subscribe = second.last('subscribe');
    expect(subscribe).toMatchObject({ room: 'chat', fromSeq: 4 });
    // The replay overlaps what was delivered (the server may also resend), then live messages follow.
    for (const seq of [2, 3, 4, 5, 6]) second.push(messageFrame('chat', seq));
    expect(seqs).toEqual([1, 2, 3]); // held until the replay's ack
    second.ack(subscribe, { replayed: 3, latestSeq: 6 });
    await flush();
    for (const seq of [6, 7]) second.push(messageFrame('chat', seq));
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7]);

    const third = await reconnect(h, { connectionId: 'conn-2', resumeSecret: 's3', resumed: false });
    expect(third.last('subscribe')).toMatchObject({ fromSeq: 8 });
  });

  it('neither drops nor duplicates replayed and live messages arriving interleaved', async () => {
    const { h, socket, seqs } = await subscribed('chat', 3);
    const second = await reconnect(h, { resumed: true });
    expect(second.last('subscribe').fromSeq).toBe(4);
    // Live messages overtake the replay; the app still sees each seq once, in order.
    for (const seq of [8, 4, 5, 9, 6, 8, 7, 5, 10]) second.push(messageFrame('chat', seq));
    expect(seqs).toEqual([]);
    second.ack(second.last('subscribe'), { replayed: 4, latestSeq: 7 });
    await flush();
    expect(seqs).toEqual([4, 5, 6, 7, 8, 9, 10]);
    second.push(messageFrame('chat', 11));
    expect(seqs.at(-1)).toBe(11);
    expect(socket).not.toBe(second);
  });

  it('uses the first subscribe ack latestSeq as baseline, so a message published during an early drop is recovered', async () => {
    const { h } = await subscribed('chat', 41);
    const second = await reconnect(h, { resumed: false });
    expect(second.last('subscribe')).toMatchObject({ room: 'chat', fromSeq: 42 });
  });

  it('sends no fromSeq when no seq is known, and asks from the first delivered one when the ack never came', async () => {
    const h = harness();
    await h.connect();
    const room = await h.join('chat');
    room.subscribe(() => {});
    const second = await reconnect(h, { resumed: false });
    expect(second.last('subscribe')).toEqual({ type: 'subscribe', ref: expect.any(Number), room: 'chat' });
    second.push(messageFrame('chat', 15)); // before the ack
    const third = await reconnect(h, { resumed: false });
    expect(third.last('subscribe').fromSeq).toBe(16);
  });

  it('a new subscription after removing every listener starts afresh (no fromSeq)', async () => {
    const { h, socket, room } = await subscribed('chat', 5);
    room.unsubscribe();
    room.subscribe(() => {});
    expect(socket.last('subscribe').fromSeq).toBeUndefined();
    const second = await reconnect(h, { resumed: true });
    expect(second.last('subscribe').fromSeq).toBeUndefined(); // its ack never came
  });

  it("emits 'discontinuity' when history no longer covers the gap, then goes on from oldestSeq", async () => {
    const { h, seqs, room } = await subscribed('chat', 4);
    const gaps: DiscontinuityInfo[] = [];
    room.on('discontinuity', (info) => gaps.push(info));
    const second = await reconnect(h, { resumed: false });
    const subscribe = second.last('subscribe');
    expect(subscribe.fromSeq).toBe(5);
    second.push({ type: 'discontinuity', room: 'chat', fromSeq: 5, oldestSeq: 9 });
    for (const seq of [9, 10]) second.push(messageFrame('chat', seq));
    second.ack(subscribe, { replayed: 2, latestSeq: 10 });
    await flush();
    expect(gaps).toEqual([{ fromSeq: 5, oldestSeq: 9 }]);
    expect(seqs).toEqual([9, 10]);

    second.push({ type: 'discontinuity', room: 'other', fromSeq: 1, oldestSeq: 3 }); // not joined: ignored
    expect(gaps).toHaveLength(1);
    const third = await reconnect(h, { resumed: true });
    expect(third.last('subscribe').fromSeq).toBe(11);
  });
});
