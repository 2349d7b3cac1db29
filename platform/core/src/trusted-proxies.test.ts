import { describe, expect, it } from 'vitest';
import { MAX_FORWARDED_HOPS, TrustedProxies } from './trusted-proxies.js';

describe('TrustedProxies', () => {
  const proxies = TrustedProxies.parse('10.0.0.0/8, 127.0.0.1, fd00::/8');

  it('takes the address a trusted peer forwards', () => {
    expect(proxies.clientAddress('10.1.2.3', '203.0.113.7')).toBe('203.0.113.7');
    expect(proxies.clientAddress('::ffff:127.0.0.1', '198.51.100.1')).toBe('198.51.100.1');
  });

  it("ignores an untrusted peer's header", () => {
    expect(proxies.clientAddress('198.51.100.9', '203.0.113.7')).toBe('198.51.100.9');
  });

  it('walks right to left past trusted hops only (a client cannot prepend an address)', () => {
    // The client sent "X-Forwarded-For: 1.1.1.1"; the ingress appended the client, nginx the ingress.
    expect(proxies.clientAddress('127.0.0.1', '1.1.1.1, 203.0.113.7, 10.0.0.5')).toBe('203.0.113.7');
    expect(proxies.clientAddress('127.0.0.1', '10.0.0.6, 10.0.0.5')).toBe('10.0.0.6');
  });

  it('stops at a malformed hop and keeps the last vouched-for address', () => {
    expect(proxies.clientAddress('127.0.0.1', 'garbage, 10.0.0.5')).toBe('10.0.0.5');
    expect(proxies.clientAddress('127.0.0.1', '')).toBe('127.0.0.1');
  });

  it(`walks at most ${MAX_FORWARDED_HOPS} hops`, () => {
    const chain = ['203.0.113.7', ...Array.from({ length: 40 }, (_, i) => `10.0.0.${i + 1}`)].join(',');
    expect(proxies.clientAddress('127.0.0.1', chain)).toBe(`10.0.0.${40 - MAX_FORWARDED_HOPS + 1}`);
  });

  it('matches IPv6 CIDRs', () => {
    expect(proxies.clientAddress('fd12::1', '2001:db8::1')).toBe('2001:db8::1');
  });

  it('trusts nobody when empty, and refuses a malformed list', () => {
    expect(TrustedProxies.parse('').clientAddress('127.0.0.1', '203.0.113.7')).toBe('127.0.0.1');
    expect(() => TrustedProxies.parse('10.0.0.0/33')).toThrow(/prefix length/);
    expect(() => TrustedProxies.parse('proxy.local')).toThrow(/not an IP address/);
  });
});
