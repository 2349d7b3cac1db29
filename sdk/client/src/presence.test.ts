import { DEFAULT_LIMITS, type PresenceMember } from '@relaybox/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PresenceEvent } from './room-presence.js';
import type { FakeWebSocket } from './test-support/fake-web-socket.js';
import { flush, harness } from './test-support/relay-harness.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const member = (clientId: string, data: unknown = null): PresenceMember => ({
  clientId,
  connectionId: `conn-${clientId}`,
  data,
  enteredAt: 1,
  updatedAt: 2,
});

const presenceFrames = (socket: FakeWebSocket) =>
  socket.sent.filter((f) => f.type.startsWith('presence')).map(({ ref: _ref, ...rest }) => rest);

/** Acknowledges the last presence request once it was sent (requests run one at a time). */
async function ackPresence(socket: FakeWebSocket): Promise<void> {
  await flush();
  socket.ack(socket.last('presence'));
  await flush();
}

async function joined() {
  const h = harness();
  const socket = await h.connect({ connectionId: 'conn-1', resumeSecret: 's1' });
  const room = await h.join('chat');
  return { h, socket, room };
}

/** Reconnects, acknowledging `connected` and the re-join. */
async function reconnect(h: ReturnType<typeof harness>, resumed: boolean) {
  const socket = await h.dropAndReconnect();
  socket.accept({ connectionId: resumed ? 'conn-1' : 'conn-2', resumeSecret: 's2', resumed });
  socket.ack(socket.last('join'));
  await flush();
  return socket;
}

describe('room.presence', () => {
  it('enter, update and leave send presence frames in call order and resolve on their acks', async () => {
    const { socket, room } = await joined();
    const entering = room.presence.enter({ status: 'here' });
    const updating = room.presence.update({ status: 'away' });
    const leaving = room.presence.leave();
    await ackPresence(socket);
    await entering;
    await ackPresence(socket);
    await updating;
    await ackPresence(socket);
    await leaving;
    expect(presenceFrames(socket)).toEqual([
      { type: 'presence', room: 'chat', action: 'enter', data: { status: 'here' } },
      { type: 'presence', room: 'chat', action: 'update', data: { status: 'away' } },
      { type: 'presence', room: 'chat', action: 'leave' },
    ]);
  });

  it('get resolves every member from the ack', async () => {
    const { socket, room } = await joined();
    const getting = room.presence.get();
    const frame = socket.last('presence.get');
    expect(frame).toMatchObject({ room: 'chat' });
    const members = [member('ann', { s: 1 }), member('bob')];
    socket.ack(frame, { members });
    await expect(getting).resolves.toEqual(members);

    const refused = room.presence.get();
    socket.fail(socket.last('presence.get'), 'permission_denied', 'no presence on chat');
    await expect(refused).rejects.toMatchObject({ code: 'permission_denied', status: 403 });
  });

  it('subscribe sends presence.subscribe once, filters by action, and unsubscribes after the last listener', async () => {
    const { socket, room } = await joined();
    const all: string[] = [];
    const leaves: string[] = [];
    const offAll = room.presence.subscribe((event: PresenceEvent) =>
      all.push(`${event.action}:${event.member.clientId}`),
    );
    const offLeaves = room.presence.subscribe('leave', (event) => leaves.push(event.member.clientId));
    expect(presenceFrames(socket)).toEqual([{ type: 'presence.subscribe', room: 'chat' }]);
    socket.ack(socket.last('presence.subscribe'));

    socket.push({ type: 'presence', room: 'chat', action: 'enter', member: member('ann') });
    socket.push({ type: 'presence', room: 'chat', action: 'update', member: member('ann', 2) });
    socket.push({ type: 'presence', room: 'chat', action: 'leave', member: member('ann') });
    socket.push({ type: 'presence', room: 'other', action: 'enter', member: member('bob') }); // not joined
    expect(all).toEqual(['enter:ann', 'update:ann', 'leave:ann']);
    expect(leaves).toEqual(['ann']);

    offAll();
    expect(socket.sent.some((f) => f.type === 'presence.unsubscribe')).toBe(false);
    offLeaves();
    expect(socket.last('presence.unsubscribe')).toMatchObject({ room: 'chat' });
    socket.push({ type: 'presence', room: 'chat', action: 'enter', member: member('bob') });
    expect(all).toHaveLength(3);
  });

  it('checks the data size locally (presence_data_too_large) and sends nothing', async () => {
    const { socket, room } = await joined();
    const max = DEFAULT_LIMITS.maxPresenceDataBytes;
    const tooBig = 'é'.repeat(max / 2); // 2 bytes each in UTF-8, plus the quotes
    await expect(room.presence.enter(tooBig)).rejects.toMatchObject({
      code: 'presence_data_too_large',
      status: 413,
    });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    await expect(room.presence.enter(circular)).rejects.toMatchObject({ code: 'invalid_request' });
    expect(presenceFrames(socket)).toEqual([]);

    const fits = room.presence.enter('x'.repeat(max - 2));
    await ackPresence(socket);
    await expect(fits).resolves.toBeUndefined();
  });

  it("uses the server's presence size bound from connected.limits", async () => {
    const h = harness();
    const socket = await h.connect({
      connectionId: 'conn-1',
      resumeSecret: 's1',
      limits: { maxFrameBytes: 65536, maxRoomsPerConnection: 100, maxPresenceDataBytes: 10 },
    });
    const room = await h.join('chat');
    await expect(room.presence.enter('x'.repeat(9))).rejects.toMatchObject({
      code: 'presence_data_too_large',
    });
    const fits = room.presence.enter('x'.repeat(8)); // 10 bytes with the quotes
    await ackPresence(socket);
    await expect(fits).resolves.toBeUndefined();
  });

  it('update before enter rejects locally; enter while disconnected rejects with connection_closed', async () => {
    const { h, socket, room } = await joined();
    await expect(room.presence.update({ s: 1 })).rejects.toMatchObject({ code: 'invalid_request' });
    expect(presenceFrames(socket)).toEqual([]);
    socket.drop(1006);
    await expect(room.presence.enter({ s: 1 })).rejects.toMatchObject({ code: 'connection_closed' });
    const again = await reconnect(h, false);
    expect(presenceFrames(again)).toEqual([]); // not entered: nothing to restore
  });

  it('re-enters with the latest data after a reconnect that did not resume, and re-subscribes', async () => {
    const { h, socket, room } = await joined();
    room.presence.subscribe(() => {});
    socket.ack(socket.last('presence.subscribe'));
    const entering = room.presence.enter({ v: 1 });
    await ackPresence(socket);
    await entering;
    const updating = room.presence.update({ v: 2 });
    await ackPresence(socket);
    await updating;

    const fresh = await reconnect(h, false);
    expect(presenceFrames(fresh)).toEqual([
      { type: 'presence.subscribe', room: 'chat' },
      { type: 'presence', room: 'chat', action: 'enter', data: { v: 2 } },
    ]);
    expect(fresh.sent.findIndex((f) => f.type === 'join')).toBe(0); // presence only once joined again
  });

  it('after a resumed reconnect only re-subscribes: the server kept the membership', async () => {
    const { h, socket, room } = await joined();
    room.presence.subscribe(() => {});
    const entering = room.presence.enter({ v: 1 });
    await ackPresence(socket);
    await entering;
    const resumed = await reconnect(h, true);
    expect(presenceFrames(resumed)).toEqual([{ type: 'presence.subscribe', room: 'chat' }]);
  });

  it('a leave while disconnected resolves, reaches a resumed connection, and prevents the re-enter', async () => {
    const { h, socket, room } = await joined();
    const entering = room.presence.enter({ v: 1 });
    await ackPresence(socket);
    await entering;
    socket.drop(1006);
    await expect(room.presence.leave()).resolves.toBeUndefined();
    const resumed = await reconnect(h, true);
    expect(presenceFrames(resumed)).toEqual([{ type: 'presence', room: 'chat', action: 'leave' }]);
    await ackPresence(resumed);
    expect(presenceFrames(await reconnect(h, false))).toEqual([]);
  });

  it('an enter cut off by a drop rejects, and a resumed connection is brought back to not entered', async () => {
    const { h, socket, room } = await joined();
    const entering = room.presence.enter({ v: 1 });
    await flush();
    expect(presenceFrames(socket)).toHaveLength(1);
    socket.drop(1006);
    await expect(entering).rejects.toMatchObject({ code: 'connection_closed' });
    const resumed = await reconnect(h, true);
    expect(presenceFrames(resumed)).toEqual([{ type: 'presence', room: 'chat', action: 'leave' }]);
  });

  it('a refused re-enter is reported on the room', async () => {
    const { h, socket, room } = await joined();
    const errors: string[] = [];
    room.on('error', (error) => errors.push(error.code));
    const entering = room.presence.enter();
    await ackPresence(socket);
    await entering;
    const fresh = await reconnect(h, false);
    expect(fresh.last('presence')).toMatchObject({ action: 'enter', data: null });
    fresh.fail(fresh.last('presence'), 'permission_denied', 'presence revoked');
    await flush();
    expect(errors).toEqual(['permission_denied']);
    expect(presenceFrames(await reconnect(h, false))).toEqual([]);
  });

  it('room.leave() takes the presence with it and rejects presence calls afterwards', async () => {
    const { h, socket, room } = await joined();
    const entering = room.presence.enter({ v: 1 });
    await ackPresence(socket);
    await entering;
    const leaving = room.leave();
    expect(socket.sent.at(-1)).toMatchObject({ type: 'leave', room: 'chat' }); // the server leaves presence too
    socket.ack(socket.last('leave'));
    await leaving;
    await expect(room.presence.enter()).rejects.toMatchObject({ code: 'not_joined' });
    await expect(room.presence.get()).rejects.toMatchObject({ code: 'not_joined' });
    expect(() => room.presence.subscribe(() => {})).toThrow(/has been left/);
    const again = await h.dropAndReconnect();
    again.accept();
    await flush();
    expect(again.sent).toEqual([]); // neither re-joined nor re-entered
  });
});
