import { describe, expect, it } from 'vitest';
import { allows, Grants, isValidPattern, matchesPattern, validatePermissionMap } from './permissions.js';

describe('matchesPattern', () => {
  it.each([
    // exact
    ['chat', 'chat'],
    ['chat:lobby', 'chat:lobby'],
    // `*` alone matches every room
    ['*', 'chat'],
    ['*', 'chat:lobby:1'],
    // `*` is exactly one segment
    ['chat:*', 'chat:lobby'],
    ['*:lobby', 'chat:lobby'],
    ['chat:*:typing', 'chat:42:typing'],
    ['*:*', 'a:b'],
    // trailing `>` is one or more segments
    ['chat:>', 'chat:lobby'],
    ['chat:>', 'chat:lobby:1:2'],
    ['>', 'chat'],
    ['>', 'chat:lobby'],
    ['chat:*:>', 'chat:a:b'],
    ['chat:*:>', 'chat:a:b:c'],
  ])('%s matches %s', (pattern, room) => {
    expect(matchesPattern(pattern, room)).toBe(true);
  });

  it.each([
    // exact patterns do not match prefixes, suffixes or other case
    ['chat', 'chat:lobby'],
    ['chat:lobby', 'chat'],
    ['chat:lobby', 'chat:lobby2'],
    ['chat:lobby', 'Chat:lobby'],
    ['chat', 'chatroom'],
    // `*` is never zero or two segments
    ['chat:*', 'chat'],
    ['chat:*', 'chat:a:b'],
    ['*:lobby', 'lobby'],
    ['*:*', 'a'],
    ['*:*', 'a:b:c'],
    ['chat:*:typing', 'chat:typing'],
    ['chat:*:typing', 'chat:1:2:typing'],
    // `>` needs at least one segment
    ['chat:>', 'chat'],
    ['chat:*:>', 'chat:a'],
    // other apps' namespaces and look-alikes
    ['chat:>', 'chatx:lobby'],
    ['chat:>', 'xchat:lobby'],
    // invalid patterns match nothing, not even the literal text
    ['chat*', 'chat*'],
    ['chat*', 'chatroom'],
    ['ch*t:lobby', 'chat:lobby'],
    ['>:chat', 'a:chat'],
    ['chat:>:x', 'chat:a:x'],
    ['chat:>x', 'chat:a'],
    ['chat::lobby', 'chat::lobby'],
    [':chat', ':chat'],
    ['chat:', 'chat:'],
    ['', ''],
    ['**', 'a'],
  ])('%s does not match %s', (pattern, room) => {
    expect(matchesPattern(pattern, room)).toBe(false);
  });
});

describe('isValidPattern', () => {
  it.each(['*', '>', 'a', 'a:b', 'a:*', 'a:>', '*:a:>', 'a-b_c.d@e'])('%s is valid', (p) => {
    expect(isValidPattern(p)).toBe(true);
  });
  it.each(['', 'a*', '*a', 'a:b*', '>:a', 'a:>:b', 'a::b', ':a', 'a:', '>>', 'a:>>'])(
    '%s is invalid',
    (p) => {
      expect(isValidPattern(p)).toBe(false);
    },
  );
});

describe('allows and Grants', () => {
  const key = { 'chat:>': ['subscribe', 'publish'], 'news:*': ['subscribe'] } as const;

  it('checks the operation, not just the pattern', () => {
    expect(allows(key, 'chat:a', 'publish')).toBe(true);
    expect(allows(key, 'news:a', 'publish')).toBe(false);
    expect(allows(key, 'news:a', 'subscribe')).toBe(true);
    expect(allows(key, 'chat:a', 'history')).toBe(false);
    expect(allows({}, 'chat:a', 'subscribe')).toBe(false);
  });

  it('is the intersection of every layer: a token narrows, never widens', () => {
    const grants = new Grants(key, { '*': ['subscribe', 'publish', 'presence'] });
    expect(grants.can('chat:a', 'publish')).toBe(true);
    expect(grants.can('news:a', 'publish')).toBe(false);
    expect(grants.can('chat:a', 'presence')).toBe(false);
    const narrow = new Grants(key, { 'chat:lobby': ['subscribe'] });
    expect(narrow.can('chat:lobby', 'subscribe')).toBe(true);
    expect(narrow.can('chat:lobby', 'publish')).toBe(false);
    expect(narrow.can('chat:other', 'subscribe')).toBe(false);
    expect(narrow.canAny('chat:lobby')).toBe(true);
    expect(narrow.canAny('news:x')).toBe(false);
  });
});

describe('validatePermissionMap', () => {
  it('accepts a well-formed map', () => {
    expect(
      validatePermissionMap({ '*': ['subscribe'], 'a:>': ['publish', 'history', 'presence', 'metrics'] }),
    ).toBeNull();
    expect(validatePermissionMap({})).toBeNull();
  });
  it.each([
    [null, /must be an object/],
    [[], /must be an object/],
    ['x', /must be an object/],
    [{ 'a*': ['subscribe'] }, /invalid room pattern "a\*"/],
    [{ a: 'subscribe' }, /must be an array/],
    [{ a: ['fly'] }, /unknown operation "fly"/],
  ])('rejects %j', (value, message) => {
    expect(validatePermissionMap(value)).toMatch(message);
  });
});
