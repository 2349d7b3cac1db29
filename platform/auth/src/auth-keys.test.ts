import { describe, expect, it } from 'vitest';
import { AccessTokens, newRefreshToken, parseRefreshToken } from './access-tokens.js';
import { AuthKeys } from './auth-keys.js';

const keys = new AuthKeys('a-deployment-auth-secret-of-32-bytes!!');
const claims = {
  appId: 'alpha',
  userId: 'usr_1',
  sessionId: 's'.repeat(24),
  permissions: { 'chat:>': ['publish' as const] },
  user: { id: 'usr_1', name: 'Ada', avatar: null },
};

describe('AuthKeys and AccessTokens', () => {
  it('refuses a short secret', () => {
    expect(() => new AuthKeys('short')).toThrow(/at least 32 bytes/);
  });

  it('seals secrets bound to their context', () => {
    const sealed = keys.seal('JBSWY3DPEHPK3PXP', 'alpha/usr_1');
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(keys.open(sealed, 'alpha/usr_1')).toBe('JBSWY3DPEHPK3PXP');
    expect(() => keys.open(sealed, 'alpha/usr_2')).toThrow();
    expect(() => new AuthKeys('another-deployment-secret-of-32-bytes').open(sealed, 'alpha/usr_1')).toThrow();
  });

  it("issues tokens that verify for their app only, with the app's kid", async () => {
    const tokens = new AccessTokens(keys);
    const { token, expiresAt } = await tokens.issue(claims, 60);
    expect(expiresAt).toBeGreaterThan(Date.now());
    expect(JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString())).toMatchObject({
      alg: 'HS256',
      kid: 'alpha.$auth',
    });
    expect(await tokens.verify(token, 'alpha')).toMatchObject({
      userId: 'usr_1',
      sessionId: claims.sessionId,
    });
    await expect(tokens.verify(token, 'beta')).rejects.toMatchObject({ code: 'token_malformed' });
    const other = new AccessTokens(new AuthKeys('another-deployment-secret-of-32-bytes'));
    await expect(other.verify(token, 'alpha')).rejects.toMatchObject({ code: 'token_signature_invalid' });
    const expired = await tokens.issue(claims, -60);
    await expect(tokens.verify(expired.token, 'alpha')).rejects.toMatchObject({ code: 'token_expired' });
  });

  it('parses only well-formed refresh tokens', () => {
    const { token, hash } = newRefreshToken('s'.repeat(24), 3);
    expect(parseRefreshToken(token)).toMatchObject({ sessionId: 's'.repeat(24), generation: 3 });
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    for (const bad of [undefined, 42, '', 'rt1.x.0.y', `${token}x`, token.replace('rt1', 'rt2')]) {
      expect(parseRefreshToken(bad)).toBeUndefined();
    }
  });
});
