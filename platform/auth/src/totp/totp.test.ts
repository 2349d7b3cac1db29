import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode } from './base32.js';
import { otpauthQrSvg, otpauthUri } from './otpauth-uri.js';
import { consumeRecoveryCode, generateRecoveryCodes } from './recovery-codes.js';
import { generateTotpSecret, totpCode, totpCodeAt, totpStep, verifyTotp } from './totp.js';

// RFC 6238 Appendix B: seeds and the 8-digit codes at each time.
const SEEDS = {
  sha1: Buffer.from('12345678901234567890'),
  sha256: Buffer.from('12345678901234567890123456789012'),
  sha512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234'),
};
const VECTORS: [number, string, string, string][] = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];

describe('TOTP (RFC 6238)', () => {
  it('computes every RFC 6238 test vector', () => {
    for (const [time, sha1, sha256, sha512] of VECTORS) {
      const step = totpStep(time * 1000);
      expect(totpCodeAt(SEEDS.sha1, step, { digits: 8 })).toBe(sha1);
      expect(totpCodeAt(SEEDS.sha256, step, { digits: 8, algorithm: 'sha256' })).toBe(sha256);
      expect(totpCodeAt(SEEDS.sha512, step, { digits: 8, algorithm: 'sha512' })).toBe(sha512);
      // The same through the base32 form the user's app holds.
      expect(totpCodeAt(base32Encode(SEEDS.sha1), step, { digits: 8 })).toBe(sha1);
    }
  });

  it('round-trips base32 (RFC 4648 vectors, case and spacing forgiven)', () => {
    expect(base32Encode(Buffer.from('foobar'))).toBe('MZXW6YTBOI');
    expect(base32Encode(Buffer.from('fooba'))).toBe('MZXW6YTB');
    expect(base32Decode('mzxw 6ytb-oi======').toString()).toBe('foobar');
    expect(() => base32Decode('MZXW1')).toThrow(expect.objectContaining({ code: 'mfa_input_invalid' }));
  });

  it('accepts the current and adjacent steps and returns the matched step', () => {
    const secret = generateTotpSecret();
    const now = 1_700_000_015_000; // mid-step
    const step = totpStep(now);
    expect(verifyTotp(secret, totpCode(secret, { now }), { now })).toEqual({ step });
    expect(verifyTotp(secret, totpCodeAt(secret, step - 1), { now })).toEqual({ step: step - 1 });
    expect(verifyTotp(secret, totpCodeAt(secret, step + 1), { now })).toEqual({ step: step + 1 });
    expect(verifyTotp(secret, totpCodeAt(secret, step - 2), { now })).toBeNull();
    expect(verifyTotp(secret, totpCodeAt(secret, step + 2), { now })).toBeNull();
    expect(verifyTotp(secret, totpCodeAt(secret, step - 2), { now, window: 2 })).toEqual({ step: step - 2 });
    expect(verifyTotp(secret, totpCodeAt(secret, step + 1), { now, window: 0 })).toBeNull();
  });

  it('treats a code of the wrong shape as wrong, and refuses bad options with a code', () => {
    const secret = generateTotpSecret();
    for (const code of ['', '12345', '1234567', 'abcdef', '12345x', ' '.repeat(6)]) {
      expect(verifyTotp(secret, code)).toBeNull();
    }
    expect(verifyTotp(secret, `${totpCode(secret).slice(0, 3)} ${totpCode(secret).slice(3)}`)).not.toBeNull();
    expect(() => verifyTotp(secret, '123456', { window: 11 })).toThrow(
      expect.objectContaining({ code: 'mfa_input_invalid' }),
    );
    expect(() => totpCode('AAAA')).toThrow(expect.objectContaining({ code: 'mfa_input_invalid' }));
    expect(() => generateTotpSecret(8)).toThrow(expect.objectContaining({ code: 'mfa_input_invalid' }));
    expect(base32Decode(generateTotpSecret())).toHaveLength(20);
  });
});

describe('otpauth:// URI and QR code', () => {
  it('builds a Key Uri Format URI with the issuer in the label and as a parameter', () => {
    const uri = otpauthUri({ issuer: 'Acme Chat', account: 'ann@example.com', secret: 'JBSWY3DPEHPK3PXP' });
    expect(uri).toBe(
      'otpauth://totp/Acme%20Chat:ann%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Acme%20Chat' +
        '&algorithm=SHA1&digits=6&period=30',
    );
    const parsed = new URL(uri);
    expect(parsed.protocol).toBe('otpauth:');
    expect(parsed.searchParams.get('issuer')).toBe('Acme Chat');
  });

  it('refuses a label with ":" or a secret that is not base32', () => {
    expect(() => otpauthUri({ issuer: 'a:b', account: 'x', secret: 'JBSWY3DP' })).toThrow(
      expect.objectContaining({ code: 'mfa_input_invalid' }),
    );
    expect(() => otpauthUri({ issuer: 'a', account: 'x', secret: 'not base32!' })).toThrow(
      expect.objectContaining({ code: 'mfa_input_invalid' }),
    );
  });

  it('renders the URI as an SVG QR code', async () => {
    const svg = await otpauthQrSvg(
      otpauthUri({ issuer: 'Acme', account: 'ann', secret: generateTotpSecret() }),
    );
    expect(svg).toMatch(/^<svg[^>]+viewBox="0 0 (\d+) \1"/);
    expect(svg).toContain('<path');
  });
});

describe('recovery codes', () => {
  it('stores only hashes and lets each code work once', () => {
    const { codes, hashes } = generateRecoveryCodes(10);
    expect(new Set(codes).size).toBe(10);
    expect(codes.every((c) => /^[a-z2-7]{5}-[a-z2-7]{5}$/.test(c))).toBe(true);
    expect(hashes.some((h) => codes.some((c) => h.includes(c.replace('-', ''))))).toBe(false);

    const first = consumeRecoveryCode(hashes, codes[3]!.toUpperCase().replace('-', ' '));
    expect(first.matched).toBe(true);
    if (!first.matched) throw new Error('unreachable');
    expect(first.remaining).toHaveLength(9);
    expect(consumeRecoveryCode(first.remaining, codes[3]!)).toEqual({ matched: false });
    expect(consumeRecoveryCode(first.remaining, codes[4]!).matched).toBe(true);
    expect(consumeRecoveryCode(hashes, 'aaaaa-aaaaa')).toEqual({ matched: false });
    expect(consumeRecoveryCode(hashes, 'x'.repeat(65))).toEqual({ matched: false });
  });

  it('bounds the number of codes', () => {
    expect(() => generateRecoveryCodes(0)).toThrow(expect.objectContaining({ code: 'mfa_input_invalid' }));
    expect(() => generateRecoveryCodes(21)).toThrow(expect.objectContaining({ code: 'mfa_input_invalid' }));
  });
});
