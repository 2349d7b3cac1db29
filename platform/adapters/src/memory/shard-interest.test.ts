import { shardOf } from '@relaybox/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type ShardBinder, ShardInterest } from './shard-interest.js';

const S = 8;
const GRACE = 1000;

/** A binder whose binds settle when the test says so, and which records every call. */
class ScriptedBinder implements ShardBinder {
  readonly calls: string[] = [];
  private readonly pending: { shard: number; resolve: () => void; reject: (e: Error) => void }[] = [];

  bind(shard: number): Promise<void> {
    this.calls.push(`bind ${shard}`);
    return new Promise((resolve, reject) => this.pending.push({ shard, resolve, reject }));
  }

  unbind(shard: number): void {
    this.calls.push(`unbind ${shard}`);
  }

  settle(ok: boolean): void {
    for (const p of this.pending.splice(0)) {
      if (ok) p.resolve();
      else p.reject(new Error(`bind ${p.shard} failed`));
    }
  }
}

const roomIn = (shard: number, tag: string): string => {
  for (let i = 0; ; i++) if (shardOf('app', `${tag}${i}`, S) === shard) return `${tag}${i}`;
};

describe('ShardInterest', () => {
  let binder: ScriptedBinder;
  let interest: ShardInterest;
  const a = roomIn(2, 'a');
  const b = roomIn(2, 'b');

  beforeEach(() => {
    vi.useFakeTimers();
    binder = new ScriptedBinder();
    interest = new ShardInterest(S, GRACE, binder);
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('binds a shard once for all its rooms and references, resolving every subscriber with the bind', async () => {
    const subs = [interest.subscribe('app', a), interest.subscribe('app', a), interest.subscribe('app', b)];
    expect(binder.calls).toEqual(['bind 2']);
    binder.settle(true);
    await Promise.all(subs);
    expect(interest.activeShards()).toEqual([2]);
  });

  it('unbinds after the grace once the last reference is gone, and not before', async () => {
    const sub = interest.subscribe('app', a);
    binder.settle(true);
    await sub;
    await interest.subscribe('app', b);
    interest.unsubscribe('app', a);
    interest.unsubscribe('app', b);
    vi.advanceTimersByTime(GRACE - 1);
    expect(binder.calls).toEqual(['bind 2']);
    vi.advanceTimersByTime(1);
    expect(binder.calls).toEqual(['bind 2', 'unbind 2']);
    expect(interest.activeShards()).toEqual([]);
  });

  it('cancels the unbind when a room of the shard is subscribed within the grace', async () => {
    const sub = interest.subscribe('app', a);
    binder.settle(true);
    await sub;
    interest.unsubscribe('app', a);
    vi.advanceTimersByTime(GRACE / 2);
    await interest.subscribe('app', b);
    vi.advanceTimersByTime(GRACE * 2);
    expect(binder.calls).toEqual(['bind 2']);
  });

  it('rolls a failed bind back: every waiting subscriber rejects and holds no reference', async () => {
    const subs = [interest.subscribe('app', a), interest.subscribe('app', b)];
    binder.settle(false);
    for (const sub of subs) await expect(sub).rejects.toThrow('bind 2 failed');
    expect(interest.activeShards()).toEqual([]);
    vi.advanceTimersByTime(GRACE * 2);
    expect(binder.calls).toEqual(['bind 2']);

    const retry = interest.subscribe('app', a);
    expect(binder.calls).toEqual(['bind 2', 'bind 2']);
    binder.settle(true);
    await retry;
    expect(interest.activeShards()).toEqual([2]);
  });

  it('after dropBindings, binds again on subscribe and restores only shards that still have rooms', async () => {
    const other = roomIn(5, 'c');
    const subs = [interest.subscribe('app', a), interest.subscribe('app', other)];
    binder.settle(true);
    await Promise.all(subs);
    interest.unsubscribe('app', other);
    interest.dropBindings();
    vi.advanceTimersByTime(GRACE * 2);

    const restored: number[] = [];
    await interest.restore(async (shard) => {
      restored.push(shard);
    });
    expect(restored).toEqual([2]);
    await interest.subscribe('app', b);
    expect(binder.calls).toEqual(['bind 2', 'bind 5']);
  });
});
