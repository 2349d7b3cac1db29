import { describe, expect, it } from 'vitest';
import { AppendBatcher } from './append-batcher.js';

interface Item {
  bytes: number;
  name: string;
}

function recorder(maxMessages: number, maxBytes = 1 << 20) {
  const sent: { key: string; names: string[] }[] = [];
  const batcher = new AppendBatcher<Item>({
    maxMessages,
    maxBytes,
    send: (key, batch) => sent.push({ key, names: batch.map((item) => item.name) }),
  });
  const add = (key: string, name: string, bytes = 1) => batcher.add(key, { name, bytes });
  return { batcher, sent, add };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('AppendBatcher', () => {
  it('sends the items of one key added in one turn as one batch, in order, one batch per key', async () => {
    const { sent, add } = recorder(64);
    add('room-1', 'a');
    add('room-2', 'b');
    add('room-1', 'c');
    expect(sent).toEqual([]);
    await nextTurn();
    expect(sent).toEqual([
      { key: 'room-1', names: ['a', 'c'] },
      { key: 'room-2', names: ['b'] },
    ]);
    add('room-1', 'd');
    await nextTurn();
    expect(sent.at(-1)).toEqual({ key: 'room-1', names: ['d'] });
  });

  it('sends a batch at once when it reaches maxMessages, the rest in the same turn', async () => {
    const { sent, add } = recorder(2);
    add('k', '1');
    add('k', '2');
    expect(sent).toEqual([{ key: 'k', names: ['1', '2'] }]);
    add('k', '3');
    await nextTurn();
    expect(sent.map((b) => b.names)).toEqual([['1', '2'], ['3']]);
  });

  it('starts a new batch before an item would pass maxBytes; a larger item goes alone', async () => {
    const { sent, add } = recorder(64, 30);
    add('k', 'x', 10);
    add('k', 'y', 10);
    add('k', 'z', 40);
    add('k', 'w', 1);
    await nextTurn();
    expect(sent.map((b) => b.names)).toEqual([['x', 'y'], ['z'], ['w']]);
  });

  it('with maxMessages 1 sends every item alone, synchronously', () => {
    const { sent, add } = recorder(1);
    add('k', '1');
    add('k', '2');
    expect(sent.map((b) => b.names)).toEqual([['1'], ['2']]);
  });

  it('flush() sends what is pending now, and the turn then sends nothing more', async () => {
    const { batcher, sent, add } = recorder(64);
    add('k', '1');
    add('j', '2');
    batcher.flush();
    expect(sent.map((b) => b.names)).toEqual([['1'], ['2']]);
    await nextTurn();
    expect(sent).toHaveLength(2);
  });

  it('runs the sends of a flush of several keys inside around(), once; a single key goes as it is', async () => {
    const sent: string[] = [];
    const log: string[] = [];
    const batcher = new AppendBatcher<Item>({
      maxMessages: 64,
      maxBytes: 1 << 20,
      send: (key) => {
        sent.push(key);
        log.push(`send ${key}`);
      },
      around: (sendAll) => {
        log.push('begin');
        sendAll();
        log.push('end');
      },
    });
    batcher.add('a', { name: '1', bytes: 1 });
    batcher.add('b', { name: '2', bytes: 1 });
    await nextTurn();
    expect(log).toEqual(['begin', 'send a', 'send b', 'end']);
    batcher.add('a', { name: '3', bytes: 1 });
    await nextTurn();
    expect(log.slice(4)).toEqual(['send a']);
    batcher.flush();
    expect(sent).toEqual(['a', 'b', 'a']);
  });

  it('refuses bounds out of range', () => {
    const send = () => {};
    for (const maxMessages of [0, 1001, 2.5, Number.NaN]) {
      expect(() => new AppendBatcher({ maxMessages, maxBytes: 1, send })).toThrow(RangeError);
    }
    for (const maxBytes of [0, -1, 1.5]) {
      expect(() => new AppendBatcher({ maxMessages: 2, maxBytes, send })).toThrow(RangeError);
    }
  });
});
