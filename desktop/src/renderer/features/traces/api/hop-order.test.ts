import { describe, expect, it } from 'vitest';
import type { TraceEvent, TraceType } from '../../../lib/admin-types.js';
import { orderHops } from './hop-order.js';

const hop = (id: string, type: TraceType, ts: number, gateway = 'gw-1'): TraceEvent => ({
  id,
  ts,
  gateway,
  type,
  messageId: 'm1',
});

const types = (events: TraceEvent[]) => events.map((e) => `${e.type}@${e.gateway}`);

describe('orderHops', () => {
  it('orders hops of the same millisecond by causality, whatever order they arrived in', () => {
    // Stream ids sorted the other way round: the log's order is not the causal one.
    const events = [
      hop('1', 'message.acked', 5),
      hop('2', 'message.delivered', 5),
      hop('3', 'message.consumed', 5),
      hop('4', 'message.published', 5),
      hop('5', 'message.stored', 5),
      hop('6', 'message.received', 5),
    ];
    expect(types(orderHops(events))).toEqual([
      'message.received@gw-1',
      'message.stored@gw-1',
      'message.published@gw-1',
      'message.consumed@gw-1',
      'message.delivered@gw-1',
      'message.acked@gw-1',
    ]);
    // Every permutation of the input gives the same order.
    const reversed = orderHops([...events].reverse()).map((e) => e.id);
    expect(reversed).toEqual(orderHops(events).map((e) => e.id));
  });

  it('keeps clock order across milliseconds and breaks remaining ties by gateway', () => {
    const ordered = orderHops([
      hop('a', 'message.delivered', 11, 'gw-2'),
      hop('b', 'message.consumed', 11, 'gw-2'),
      hop('c', 'message.delivered', 11, 'gw-1'),
      hop('d', 'message.published', 12),
      hop('e', 'message.consumed', 10, 'gw-1'),
    ]);
    expect(types(ordered)).toEqual([
      'message.consumed@gw-1',
      'message.consumed@gw-2',
      'message.delivered@gw-1',
      'message.delivered@gw-2',
      'message.published@gw-1',
    ]);
  });

  it('does not change its input', () => {
    const input = [hop('1', 'message.delivered', 1), hop('2', 'message.received', 1)];
    orderHops(input);
    expect(input.map((e) => e.id)).toEqual(['1', '2']);
  });
});
