import { describe, expect, it } from 'vitest';
import { toSocketUrl, withQuery } from './socket-url.js';

describe('toSocketUrl', () => {
  it.each([
    ['ws://localhost:9000/v1/ws', 'ws://localhost:9000/v1/ws'],
    ['http://localhost:9000', 'ws://localhost:9000/v1/ws'],
    ['https://rb.example.com/', 'wss://rb.example.com/v1/ws'],
    ['wss://rb.example.com', 'wss://rb.example.com/v1/ws'],
    ['https://example.com/relay/ws', 'wss://example.com/relay/ws'],
    ['http://h:1?region=eu', 'ws://h:1/v1/ws?region=eu'],
  ])('%s → %s', (input, expected) => {
    expect(toSocketUrl(input)).toBe(expected);
  });

  it('rejects relative and non-web URLs', () => {
    expect(() => toSocketUrl('/v1/ws')).toThrow(expect.objectContaining({ code: 'invalid_options' }));
    expect(() => toSocketUrl('ftp://h/')).toThrow(/must use ws, wss, http or https/);
  });

  it('adds query parameters, encoded', () => {
    expect(withQuery('ws://h/v1/ws', { clientId: 'a b&c' })).toBe('ws://h/v1/ws?clientId=a+b%26c');
    expect(withQuery('ws://h/v1/ws', {})).toBe('ws://h/v1/ws');
  });
});
