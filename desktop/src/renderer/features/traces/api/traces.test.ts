import { describe, expect, it } from 'vitest';
import type { TraceEvent, TraceType } from '../../../lib/admin-types.js';
import { tracedMessages } from './traces.js';

const event = (id: string, type: TraceType, messageId: string | undefined, ts: number): TraceEvent => ({
  id,
  ts,
  gateway: 'gw-1',
  type,
  appId: 'dev',
  room: 'chat:a',
  clientId: 'alice',
  ...(messageId ? { messageId } : {}),
});

describe('tracedMessages', () => {
  it('groups message hops by id, newest message first, ignoring other events', () => {
    const list = tracedMessages([
      event('1', 'message.received', 'm1', 100),
      event('2', 'message.stored', 'm1', 101),
      event('3', 'connection.open', undefined, 102),
      event('4', 'message.received', 'm2', 200),
      event('5', 'message.acked', 'm1', 103),
    ]);
    expect(list.map((m) => [m.messageId, m.hops, m.firstTs])).toEqual([
      ['m2', 1, 200],
      ['m1', 3, 100],
    ]);
  });
});
