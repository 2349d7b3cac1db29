import { describe, expect, it } from 'vitest';
import { explainPermission, explainRoom, upgradeCheckOf } from './admin-explain.js';

const key = { name: 'key' as const, permissions: { '*': ['subscribe', 'publish'] as const, 'admin:>': [] } };
const token = { name: 'token' as const, permissions: { 'chat:*': ['subscribe'] as const } };

describe('explainPermission', () => {
  it('allowed: the innermost layer and its granting pattern decide', () => {
    expect(explainPermission([key, token], 'chat:lobby', 'subscribe')).toMatchObject({
      allowed: true,
      decidedBy: { layer: 'token', pattern: 'chat:*' },
    });
    expect(explainPermission([key], 'chat:lobby', 'publish').decidedBy).toEqual({
      layer: 'key',
      pattern: '*',
    });
  });

  it('denied: the outermost denying layer decides, with a matching pattern that lacks the operation', () => {
    expect(explainPermission([key, token], 'chat:lobby', 'publish').decidedBy).toEqual({
      layer: 'token',
      pattern: 'chat:*',
    });
    expect(explainPermission([key, token], 'chat:lobby', 'history').decidedBy).toEqual({
      layer: 'key',
      pattern: '*',
    });
    // No token pattern matches the room at all.
    expect(explainPermission([key, token], 'news:a', 'subscribe').decidedBy).toEqual({ layer: 'token' });
  });

  it('explainRoom answers every operation', () => {
    expect(explainRoom([key, token], 'chat:a').map((d) => [d.operation, d.allowed])).toEqual([
      ['subscribe', true],
      ['publish', false],
      ['presence', false],
      ['history', false],
      ['metrics', false],
    ]);
  });

  it('maps refusal codes to the upgrade check', () => {
    expect(upgradeCheckOf('token_expired')).toBe('expiry');
    expect(upgradeCheckOf('origin_not_allowed')).toBe('origin');
    expect(upgradeCheckOf('store_unavailable')).toBe('session');
  });
});
