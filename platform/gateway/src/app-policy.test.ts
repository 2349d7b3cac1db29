import { DEFAULT_LIMITS } from '@relaybox/protocol';
import { describe, expect, it } from 'vitest';
import { appPolicyFrom, originAllowed } from './app-policy.js';

function parse(settings: unknown) {
  const warnings: Array<{ message: string; fields: Record<string, unknown> }> = [];
  const policy = appPolicyFrom(settings, DEFAULT_LIMITS, (message, fields) =>
    warnings.push({ message, fields }),
  );
  return { policy, warnings };
}

describe('appPolicyFrom', () => {
  it('applies each limit over the gateway defaults, burst keeping the default ratio', () => {
    const { policy, warnings } = parse({
      limits: { maxConnections: 7, publishRatePerSec: 3, maxRoomsPerConnection: 4 },
      allowedOrigins: [],
    });
    expect(policy.limits).toMatchObject({
      maxConnectionsPerApp: 7,
      publishRatePerSecond: 3,
      publishBurst: 6,
      maxRoomsPerConnection: 4,
      maxFrameBytes: DEFAULT_LIMITS.maxFrameBytes,
    });
    expect(policy.allowedOrigins).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it('keeps the defaults when settings or limits are missing', () => {
    for (const settings of [undefined, null, {}, { limits: null }, 'nonsense']) {
      const { policy, warnings } = parse(settings);
      expect(policy.limits).toEqual(DEFAULT_LIMITS);
      expect(policy.allowedOrigins).toBeUndefined();
      expect(warnings).toEqual([]);
    }
  });

  it('clamps out-of-range limits and ignores non-integers, with a warning each', () => {
    const { policy, warnings } = parse({
      limits: { maxConnections: 0, publishRatePerSec: 1e9, maxRoomsPerConnection: 2.5 },
    });
    expect(policy.limits.maxConnectionsPerApp).toBe(1);
    expect(policy.limits.publishRatePerSecond).toBe(10_000);
    expect(policy.limits.publishBurst).toBe(20_000);
    expect(policy.limits.maxRoomsPerConnection).toBe(DEFAULT_LIMITS.maxRoomsPerConnection);
    expect(warnings.map((w) => w.fields.limit)).toEqual([
      'maxConnections',
      'maxRoomsPerConnection',
      'publishRatePerSec',
    ]);
    expect(parse({ limits: { maxConnections: '5' } }).policy.limits.maxConnectionsPerApp).toBe(
      DEFAULT_LIMITS.maxConnectionsPerApp,
    );
    expect(parse({ limits: { publishRatePerSec: -3 } }).policy.limits.publishBurst).toBe(2);
  });

  it('drops unusable origins with a warning; an all-unusable list still restricts', () => {
    const { policy, warnings } = parse({ allowedOrigins: ['https://A.example.com', 'ftp://x', 42] });
    expect(policy.allowedOrigins).toEqual(['https://a.example.com']);
    expect(warnings).toHaveLength(2);
    expect(parse({ allowedOrigins: ['javascript:alert(1)'] }).policy.allowedOrigins).toEqual([]);
    const notList = parse({ allowedOrigins: 'https://a.example.com' });
    expect(notList.policy.allowedOrigins).toBeUndefined();
    expect(notList.warnings).toHaveLength(1);
  });
});

describe('originAllowed', () => {
  const list = ['https://app.example.com', 'http://localhost:5173', 'https://*.shop.example'];

  it('allows everything without a list, and anything with *', () => {
    expect(originAllowed('https://evil.example', undefined)).toBe(true);
    expect(originAllowed('null', ['*'])).toBe(true);
  });

  it('matches scheme, host and port exactly, case-insensitively', () => {
    expect(originAllowed('https://app.example.com', list)).toBe(true);
    expect(originAllowed('HTTPS://App.Example.com', list)).toBe(true);
    expect(originAllowed('http://app.example.com', list)).toBe(false);
    expect(originAllowed('https://app.example.com:8443', list)).toBe(false);
    expect(originAllowed('http://localhost:5173', list)).toBe(true);
    expect(originAllowed('http://localhost', list)).toBe(false);
    expect(originAllowed('https://app.example.com.evil.example', list)).toBe(false);
    expect(originAllowed('null', list)).toBe(false);
    expect(originAllowed('https://x.example', [])).toBe(false);
  });

  it('a *. pattern matches subdomains only, never the bare domain or a lookalike', () => {
    expect(originAllowed('https://eu.shop.example', list)).toBe(true);
    expect(originAllowed('https://a.b.shop.example', list)).toBe(true);
    expect(originAllowed('https://shop.example', list)).toBe(false);
    expect(originAllowed('https://evilshop.example', list)).toBe(false);
    expect(originAllowed('http://eu.shop.example', list)).toBe(false);
    expect(originAllowed('https://eu.shop.example:444', list)).toBe(false);
    expect(originAllowed('https://a/b.shop.example', list)).toBe(false);
  });
});
