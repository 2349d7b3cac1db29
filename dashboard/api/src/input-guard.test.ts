import { describe, expect, it } from 'vitest';
import { findControl } from './input-guard.js';

describe('findControl', () => {
  it('finds a control character in a value or a key, and names its path', () => {
    expect(findControl('a\u0000b')).toBe('');
    expect(findControl({ name: 'ok', nested: { list: ['x', 'y\u0001'] } })).toBe('nested.list.1');
    expect(findControl({ permissions: { 'a\u0000': ['subscribe'] } })).toBe('permissions.a?');
    expect(findControl({ d: 'x\u007f' })).toBe('d');
  });

  it('accepts tabs, line breaks, unicode and non-strings', () => {
    expect(findControl({ a: 'tab\tnew\nline\r', b: 'Ünïcode 𝄞', c: 1, d: null, e: [true] })).toBeNull();
    expect(findControl(undefined)).toBeNull();
  });

  it('walks a deeply nested body without overflowing the stack', () => {
    let deep: unknown = 'bad\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findControl(deep)).toMatch(/^0(\.0)*$/);
  });
});
