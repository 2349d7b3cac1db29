import { describe, expect, it } from 'vitest';
import { parseAppAuthConfig } from './app-auth-config.js';

const at = 'apps[0].auth';

describe('parseAppAuthConfig', () => {
  it('applies the defaults; enabled: false or absent means no pool', () => {
    const config = parseAppAuthConfig({}, at, 'shop');
    expect(config).toMatchObject({
      accessTokenTtlSec: 900,
      refreshTokenTtlSec: 2_592_000,
      minPasswordLength: 8,
      signInLimits: { perAccount: 5, perAddress: 30, windowSec: 900 },
      appName: 'shop',
      emailLinks: { verifyUrl: null, resetUrl: null },
      providers: [],
      redirectUris: [],
      mfaRequired: false,
      mfaAllowed: true,
    });
    expect(parseAppAuthConfig({ mfa: { required: true } }, at)?.mfaRequired).toBe(true);
    expect(parseAppAuthConfig({ mfa: { allowed: false } }, at)).toMatchObject({
      mfaRequired: false,
      mfaAllowed: false,
    });
    expect(parseAppAuthConfig(undefined, at)).toBeUndefined();
    expect(parseAppAuthConfig({ enabled: false }, at)).toBeUndefined();
  });

  it('refuses every field out of its bounds, naming its place', () => {
    const cases: Array<[unknown, RegExp]> = [
      [[], /must be an object/],
      [{ enabled: 'yes' }, /enabled must be a boolean/],
      [{ accessTokenTtlSec: 29 }, /accessTokenTtlSec must be an integer from 30 to 86400/],
      [{ accessTokenTtlSec: 86_401 }, /accessTokenTtlSec/],
      [{ refreshTokenTtlSec: 299 }, /refreshTokenTtlSec/],
      [{ minPasswordLength: 7 }, /minPasswordLength/],
      [{ minPasswordLength: 129 }, /minPasswordLength/],
      [{ signInLimits: { perAccount: 0 } }, /signInLimits\.perAccount/],
      [{ signInLimits: { perAddress: 100_001 } }, /signInLimits\.perAddress/],
      [{ signInLimits: { windowSec: 1.5 } }, /signInLimits\.windowSec/],
      [{ signInLimits: { other: 1 } }, /unknown field "other"/],
      [{ surprise: 1 }, /unknown field "surprise"/],
      [{ userPermissions: { 'a:b': ['fly'] } }, /userPermissions/],
      [{ appName: 'a:b' }, /appName/],
      [{ appName: 'x'.repeat(101) }, /appName/],
      [{ emailLinks: { verifyUrl: 'ftp://x' } }, /emailLinks\.verifyUrl/],
      [{ emailLinks: { resetUrl: 'https://a.example/#frag' } }, /emailLinks\.resetUrl/],
      [{ providers: [{ id: 'Bad', kind: 'oidc', clientId: 'a', clientSecret: 'b' }] }, /providers\[0\]\.id/],
      [{ providers: [{ id: 'x', kind: 'saml', clientId: 'a', clientSecret: 'b' }] }, /providers\[0\]\.kind/],
      [{ providers: [{ id: 'x', kind: 'oidc', clientId: 'a', clientSecret: 'b' }] }, /issuer is required/],
      [{ providers: Array.from({ length: 11 }, () => ({})) }, /at most 10 providers/],
      [{ redirectUris: ['not a url'] }, /redirectUris\[0\]/],
      [{ requireEmailVerification: true }, /needs emailLinks\.verifyUrl/],
      [{ requireEmailVerification: 'yes' }, /requireEmailVerification must be a boolean/],
      [{ redirectUris: Array.from({ length: 21 }, () => 'https://a.example') }, /at most 20/],
      [{ mfa: true }, /mfa must be an object/],
      [{ mfa: { required: 'yes' } }, /mfa\.required must be a boolean/],
      [{ mfa: { required: true, totp: 1 } }, /mfa: unknown field "totp"/],
      [{ mfa: { allowed: 'no' } }, /mfa\.allowed must be a boolean/],
      [{ mfa: { required: true, allowed: false } }, /mfa: required needs allowed/],
    ];
    for (const [raw, message] of cases) {
      expect(() => parseAppAuthConfig(raw, at), JSON.stringify(raw)).toThrow(message);
      expect(() => parseAppAuthConfig(raw, at)).toThrow(/apps\[0\]\.auth/);
    }
  });
});
