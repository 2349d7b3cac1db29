import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { corsHeaders, DaemonGuard } from './daemon-guard.js';

const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
const secret = 'q'.repeat(43);

describe('DaemonGuard', () => {
  it('accepts only the loopback Host of its own port', () => {
    const guard = new DaemonGuard(secret, []);
    expect(() => guard.checkHost(request({ host: '127.0.0.1:4000' }), 4000)).not.toThrow();
    expect(() => guard.checkHost(request({ host: 'LOCALHOST:4000' }), 4000)).not.toThrow();
    for (const host of [
      '127.0.0.1:4001',
      'evil.example:4000',
      '127.0.0.1',
      'localhost.evil.example:4000',
      '',
    ]) {
      expect(() => guard.checkHost(request({ host }), 4000), host).toThrow(
        expect.objectContaining({ status: 403 }),
      );
    }
  });

  it('allows configured origins and the stack origin with its loopback twin', () => {
    const guard = new DaemonGuard(secret, ['http://localhost:5173', 'null']);
    expect(guard.checkOrigin(request({}))).toBeUndefined();
    expect(guard.checkOrigin(request({ origin: 'http://localhost:5173' }))).toBe('http://localhost:5173');
    expect(guard.checkOrigin(request({ origin: 'null' }))).toBe('null');
    expect(() => guard.checkOrigin(request({ origin: 'http://localhost:9100' }))).toThrow(/origin/);
    guard.setStackOrigin('http://localhost:9100');
    expect(guard.checkOrigin(request({ origin: 'http://127.0.0.1:9100' }))).toBe('http://127.0.0.1:9100');
    for (const origin of [
      'http://localhost:9101',
      'https://localhost:9100',
      'http://evil.example',
      'file://',
    ]) {
      expect(() => guard.checkOrigin(request({ origin })), origin).toThrow(
        expect.objectContaining({ status: 403 }),
      );
    }
    expect(corsHeaders('http://localhost:5173')['access-control-allow-origin']).toBe('http://localhost:5173');
  });

  it('trusts no origin by default and exactly the current stack origin once known', () => {
    const guard = new DaemonGuard(secret);
    for (const origin of ['http://localhost:9000', 'http://127.0.0.1:9000', 'http://localhost:9100']) {
      expect(() => guard.checkOrigin(request({ origin })), origin).toThrow(
        expect.objectContaining({ status: 403 }),
      );
    }
    guard.setStackOrigin('http://localhost:9100');
    expect(guard.checkOrigin(request({ origin: 'http://localhost:9100' }))).toBe('http://localhost:9100');
    expect(() => guard.checkOrigin(request({ origin: 'http://localhost:9000' }))).toThrow(/origin/);
    // The stack moved to another port: its old origin is no longer trusted.
    guard.setStackOrigin('http://127.0.0.1:9200');
    expect(guard.checkOrigin(request({ origin: 'http://localhost:9200' }))).toBe('http://localhost:9200');
    for (const origin of ['http://localhost:9100', 'http://127.0.0.1:9100']) {
      expect(() => guard.checkOrigin(request({ origin })), origin).toThrow(
        expect.objectContaining({ status: 403 }),
      );
    }
    expect(corsHeaders(undefined)).toEqual({});
  });

  it('requires the exact bearer secret', () => {
    const guard = new DaemonGuard(secret, []);
    expect(() => guard.checkSecret(request({ authorization: `Bearer ${secret}` }))).not.toThrow();
    const refused = [
      undefined,
      `Basic ${secret}`,
      `Bearer ${secret}x`,
      `Bearer ${'r'.repeat(43)}`,
      'Bearer ',
      secret,
    ];
    for (const authorization of refused) {
      const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
      expect(() => guard.checkSecret(request(headers)), String(authorization)).toThrow(
        expect.objectContaining({ status: 401 }),
      );
    }
  });
});
