import { describe, expect, it } from 'vitest';
import { TtlLruCache } from './ttl-lru-cache.js';

describe('TtlLruCache', () => {
  it('expires entries after their TTL', () => {
    let now = 1000;
    const cache = new TtlLruCache<number>(10, () => now);
    cache.set('a', 1, 50);
    expect(cache.get('a')?.value).toBe(1);
    now += 50;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('evicts the least recently used entry past the bound', () => {
    const cache = new TtlLruCache<number>(3);
    for (const k of ['a', 'b', 'c']) cache.set(k, 1, 60_000);
    cache.get('a');
    cache.set('d', 1, 60_000);
    expect(cache.size).toBe(3);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    for (let i = 0; i < 1000; i++) cache.set(`k${i}`, i, 60_000);
    expect(cache.size).toBe(3);
  });

  it('deletes by predicate', () => {
    const cache = new TtlLruCache<number>(10);
    for (const k of ['x:1', 'x:2', 'y:1']) cache.set(k, 1, 60_000);
    expect(cache.deleteWhere((k) => k.startsWith('x:'))).toBe(2);
    expect(cache.get('y:1')).toBeDefined();
  });
});
