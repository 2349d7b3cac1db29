import type { BrokerMessage } from '@relaybox/core';
import { describe, expect, it } from 'vitest';
import { type PendingPublish, ShardBatcher } from './shard-batcher.js';

const msg = (room: string, payload: string): BrokerMessage => ({ appId: 'a', room, payload });

function recorder(maxMessages: number, maxBytes = 1 << 20) {
  const sent: { key: string; payloads: string[] }[] = [];
  const batcher = new ShardBatcher({
    maxMessages,
    maxBytes,
    send: (key: string, batch: PendingPublish[]) => {
      sent.push({ key, payloads: batch.map((e) => e.measured.message.payload) });
      for (const entry of batch) entry.resolve();
    },
  });
  return { batcher, sent };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('ShardBatcher', () => {
  it('sends the publishes of one key made in one turn as one batch, in order, one batch per key', async () => {
    const { batcher, sent } = recorder(64);
    const done = [
      batcher.add('k1', msg('r', '1')),
      batcher.add('k2', msg('s', '2')),
      batcher.add('k1', msg('r', '3')),
    ];
    expect(sent).toEqual([]);
    await Promise.all(done);
    expect(sent).toEqual([
      { key: 'k1', payloads: ['1', '3'] },
      { key: 'k2', payloads: ['2'] },
    ]);
    await batcher.add('k1', msg('r', '4'));
    expect(sent.at(-1)).toEqual({ key: 'k1', payloads: ['4'] });
  });

  it('sends a batch at once when it reaches maxMessages, or before a message would pass maxBytes', async () => {
    const counted = recorder(2);
    const first = [counted.batcher.add('k', msg('r', '1')), counted.batcher.add('k', msg('r', '2'))];
    expect(counted.sent).toEqual([{ key: 'k', payloads: ['1', '2'] }]);
    await Promise.all([...first, counted.batcher.add('k', msg('r', '3'))]);
    expect(counted.sent.map((b) => b.payloads)).toEqual([['1', '2'], ['3']]);

    // Each entry: 10 header bytes + 'a' + 'r' + payload.
    const sized = recorder(64, 30);
    await Promise.all(
      ['x'.repeat(10), 'y'.repeat(10), 'z'.repeat(40), 'w'].map((p) => sized.batcher.add('k', msg('r', p))),
    );
    expect(sized.sent.map((b) => b.payloads.map((p) => p[0]))).toEqual([['x'], ['y'], ['z'], ['w']]);
  });

  it('with maxMessages 1 sends every message alone, synchronously', () => {
    const { batcher, sent } = recorder(1);
    void batcher.add('k', msg('r', '1'));
    void batcher.add('k', msg('r', '2'));
    expect(sent.map((b) => b.payloads)).toEqual([['1'], ['2']]);
  });

  it('flush() sends what is pending now; a message no format can carry is refused alone', async () => {
    const { batcher, sent } = recorder(64);
    const pending = batcher.add('k', msg('r', '1'));
    batcher.flush();
    expect(sent).toEqual([{ key: 'k', payloads: ['1'] }]);
    await pending;
    await expect(batcher.add('k', msg('r'.repeat(70_000), 'x'))).rejects.toThrow(/too long/);
    await nextTurn();
    expect(sent).toHaveLength(1);
  });

  it('refuses bounds out of range', () => {
    const send = () => {};
    expect(() => new ShardBatcher({ maxMessages: 0, maxBytes: 1, send })).toThrow(/batchMaxMessages/);
    expect(() => new ShardBatcher({ maxMessages: 65_536, maxBytes: 1, send })).toThrow(/batchMaxMessages/);
    expect(() => new ShardBatcher({ maxMessages: 2, maxBytes: 0, send })).toThrow(/batchMaxBytes/);
  });
});
