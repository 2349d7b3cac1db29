import { type HistoryAppendResult, queryMessages } from '@relaybox/core';
import { expectStoreUnavailable } from '@relaybox/core/testing';
import { type Command, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { useRedisHistoryStores } from './redis-history-harness.js';
import type { RedisHistoryStore, RedisHistoryStoreOptions } from './redis-history-store.js';
import { REDIS_URL } from './redis-test-keys.js';

// Appends of one room made in one event-loop turn go to Redis as one history-append.lua call.

describe('RedisHistoryStore append batching against Redis', () => {
  const h = useRedisHistoryStores();
  const { store, proxied } = h;

  /** A store on its own client whose script calls are counted: messages per `EVALSHA`/`EVAL` call. */
  const counted = (options: Partial<RedisHistoryStoreOptions> = {}) => {
    const client = new Redis(REDIS_URL);
    h.cleanup(async () => client.disconnect());
    const calls: number[] = [];
    const send = client.sendCommand.bind(client);
    client.sendCommand = (command: Command, ...rest: unknown[]) => {
      // history-append.lua: numKeys = 3 + messages; its third key is the room's history.
      const [, keys, , history] = command.args;
      if ((command.name === 'evalsha' || command.name === 'eval') && String(history).endsWith(':history')) {
        if (command.name === 'evalsha') calls.push(Number(keys) - 3);
      }
      return (send as (c: Command, ...r: unknown[]) => unknown)(command, ...rest);
    };
    return { calls, s: store({ client, ...options }) };
  };

  const seqs = (results: HistoryAppendResult[]) => results.map((r) => r.message.seq);
  const stored = async (s: RedisHistoryStore, room: string) =>
    (await queryMessages(s, 'app-1', room, { direction: 'forwards', limit: 1000 })).items;

  it('appends the messages of one room made in one turn in one script call, in call order', async () => {
    const { calls, s } = counted();
    await s.append(h.fx.input({ room: 'r' })); // loads the script: its calls are not counted below
    calls.length = 0;
    const burst = await Promise.all(Array.from({ length: 10 }, () => s.append(h.fx.input({ room: 'r' }))));
    expect(seqs(burst)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(calls).toEqual([10]);
    // Timestamps never decrease with seq, also inside one call.
    const late = await Promise.all([
      s.append(h.fx.input({ room: 'r', timestamp: 5 })),
      s.append(h.fx.input({ room: 'r', timestamp: 1 })),
    ]);
    expect(late.map((r) => r.message.timestamp)).toEqual([
      burst[9]?.message.timestamp,
      burst[9]?.message.timestamp,
    ]);
    expect((await stored(s, 'r')).map((m) => m.seq)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
  });

  it('keeps rooms apart (one call per room) and bounds a call by messages and bytes', async () => {
    const { calls, s } = counted({ appendBatchMaxMessages: 4, appendBatchMaxBytes: 2000 });
    await s.append(h.fx.input({ room: 'a' }));
    calls.length = 0;
    const mixed = await Promise.all(
      Array.from({ length: 10 }, (_, i) => s.append(h.fx.input({ room: i % 2 === 0 ? 'a' : 'b' }))),
    );
    expect(seqs(mixed)).toEqual([2, 1, 3, 2, 4, 3, 5, 4, 6, 5]);
    expect(calls).toEqual([4, 4, 1, 1]);
    calls.length = 0;
    const big = { text: 'x'.repeat(600) };
    await Promise.all([1, 2, 3].map(() => s.append(h.fx.input({ room: 'c', data: big }))));
    expect(calls).toEqual([2, 1]);
  });

  it('sends the calls of several rooms flushed in one turn in one socket write', async () => {
    const client = new Redis(REDIS_URL);
    h.cleanup(async () => client.disconnect());
    const s = store({ client });
    for (const room of ['a', 'b', 'c']) await s.append(h.fx.input({ room })); // script loaded, rooms indexed
    // Socket writes that carry a script call: one `_write` per chunk, or one `_writev` for many.
    const writes: number[] = [];
    const socket = client.stream as unknown as {
      _write: (chunk: unknown, ...rest: unknown[]) => void;
      _writev: (chunks: { chunk: unknown }[], ...rest: unknown[]) => void;
    };
    const scriptCalls = (chunks: unknown[]) => chunks.filter((c) => String(c).includes('evalsha')).length;
    const write = socket._write.bind(socket);
    const writev = socket._writev.bind(socket);
    socket._write = (chunk, ...rest) => {
      if (scriptCalls([chunk]) > 0) writes.push(1);
      write(chunk, ...rest);
    };
    socket._writev = (chunks, ...rest) => {
      const calls = scriptCalls(chunks.map((c) => c.chunk));
      if (calls > 0) writes.push(calls);
      writev(chunks, ...rest);
    };
    const results = await Promise.all(['a', 'b', 'c', 'a'].map((room) => s.append(h.fx.input({ room }))));
    expect(seqs(results)).toEqual([2, 2, 2, 3]);
    expect(writes).toEqual([3]);
  });

  it('keeps every publisher in order with gap-free seqs under concurrent publishers on several gateways', async () => {
    const gateways = [store(), store(), store()];
    const publishers = 6;
    const perPublisher = 40;
    const acks = new Map<string, number[]>();
    await Promise.all(
      Array.from({ length: publishers }, async (_, p) => {
        const gateway = gateways[p % gateways.length] as RedisHistoryStore;
        const mine: number[] = [];
        acks.set(`p${p}`, mine);
        for (let burst = 0; burst < perPublisher; burst += 8) {
          const results = await Promise.all(
            Array.from({ length: 8 }, (_, i) =>
              gateway.append(h.fx.input({ room: 'busy', clientId: `p${p}`, data: { n: burst + i } })),
            ),
          );
          mine.push(...seqs(results));
        }
      }),
    );
    const all = [...acks.values()].flat().sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: publishers * perPublisher }, (_, i) => i + 1));
    const history = await stored(gateways[0] as RedisHistoryStore, 'busy');
    for (const [clientId, mine] of acks) {
      expect(mine).toEqual([...mine].sort((x, y) => x - y));
      const theirs = history.filter((m) => m.clientId === clientId);
      expect(theirs.map((m) => (m.data as { n: number }).n)).toEqual(
        Array.from({ length: perPublisher }, (_, i) => i),
      );
      expect(theirs.map((m) => m.seq)).toEqual(mine);
    }
  });

  it('settles each message of a batch on its own: an invalid one is refused, duplicates get their original', async () => {
    const { calls, s } = counted();
    const original = await s.append(h.fx.input({ room: 'mixed', idempotencyKey: 'seen' }));
    calls.length = 0;
    const settled = await Promise.allSettled([
      s.append(h.fx.input({ room: 'mixed' })),
      s.append(h.fx.input({ room: 'mixed', data: { big: 1n } })),
      s.append(h.fx.input({ room: 'mixed', idempotencyKey: 'seen' })),
      s.append(h.fx.input({ room: 'mixed', idempotencyKey: 'new' })),
      s.append(h.fx.input({ room: 'mixed', idempotencyKey: 'new' })),
      s.append(h.fx.input({ room: 'mixed' })),
    ]);
    expect(calls).toEqual([5]);
    const [plain, invalid, seen, fresh, again, last] = settled.map((r) =>
      r.status === 'fulfilled' ? r.value : r.reason,
    );
    expect(invalid).toMatchObject({ name: 'RelayBoxError', code: 'invalid_request' });
    expect(seen).toMatchObject({ duplicate: true, message: original.message });
    expect(fresh).toMatchObject({ duplicate: false, message: { seq: 3 } });
    expect(again).toMatchObject({ duplicate: true, message: fresh.message, payload: fresh.payload });
    expect([plain.message.seq, last.message.seq]).toEqual([2, 4]);
    expect((await stored(s, 'mixed')).map((m) => m.id)).toEqual(
      [original, plain, fresh, last].map((r) => r.message.id),
    );
  });

  it('rejects every message of a batch whose reply is lost, retryably; a retry stores each exactly once', async () => {
    const { proxy, s } = await proxied();
    await s.append(h.fx.input({ room: 'lost', idempotencyKey: 'k0' }));
    // Replies now take 2 s through the proxy: the batch reaches Redis, its reply is cut on the way back.
    proxy.latency({ latencyMs: 2000 });
    const inputs = [1, 2, 3, 4, 5].map((i) => h.fx.input({ room: 'lost', idempotencyKey: `k${i}` }));
    const settledEarly: number[] = [];
    const pending = inputs.map((input, i) =>
      s.append(input).finally(() => {
        settledEarly.push(i);
      }),
    );
    const inHistory = async () => h.admin.zcard(`${h.prefix}{app-1:lost}:history`);
    let inRedis = 0;
    const deadline = Date.now() + 10_000;
    while (inRedis < 6 && Date.now() < deadline) inRedis = await inHistory();
    expect(inRedis).toBe(6);
    expect(settledEarly).toEqual([]);
    proxy.cut();
    for (const append of pending) await expectStoreUnavailable(append);
    proxy.clearToxics();
    proxy.restore();

    let retried: HistoryAppendResult[] | undefined;
    const until = Date.now() + 10_000;
    while (!retried && Date.now() < until) {
      retried = await Promise.all(inputs.map((input) => s.append({ ...input }))).catch(() => undefined);
    }
    expect(retried?.map((r) => r.duplicate)).toEqual([true, true, true, true, true]);
    expect(retried && seqs(retried)).toEqual([2, 3, 4, 5, 6]);
    expect(await inHistory()).toBe(6);
    expect((await stored(s, 'lost')).map((m) => m.id)).toEqual([
      expect.any(String),
      ...inputs.map((input) => input.id),
    ]);
  });

  it('rejects every message of a batch that cannot reach Redis; a retry then appends each once, in order', async () => {
    const { proxy, s } = await proxied();
    await s.append(h.fx.input({ room: 'down' }));
    proxy.cut();
    const inputs = [1, 2, 3].map((i) => h.fx.input({ room: 'down', idempotencyKey: `k${i}` }));
    const failed = inputs.map((input) => s.append(input));
    for (const append of failed) await expectStoreUnavailable(append);
    proxy.restore();
    let retried: HistoryAppendResult[] | undefined;
    const until = Date.now() + 10_000;
    while (!retried && Date.now() < until) {
      retried = await Promise.all(inputs.map((input) => s.append(input))).catch(() => undefined);
    }
    expect(retried?.map((r) => [r.duplicate, r.message.seq])).toEqual([
      [false, 2],
      [false, 3],
      [false, 4],
    ]);
    expect((await stored(s, 'down')).map((m) => m.seq)).toEqual([1, 2, 3, 4]);
  });

  it('sends pending appends before close() and waits for their replies', async () => {
    const s = store();
    await s.append(h.fx.input({ room: 'closing' }));
    const pending = [s.append(h.fx.input({ room: 'closing' })), s.append(h.fx.input({ room: 'closing' }))];
    await s.close();
    expect(seqs(await Promise.all(pending))).toEqual([2, 3]);
    expect(await h.admin.zcard(`${h.prefix}{app-1:closing}:history`)).toBe(3);
  });
});
