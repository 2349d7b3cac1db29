import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AuthProviderError, AuthProviderErrorCode } from '../auth-provider-error.js';
import { base32Encode } from './base32.js';

export interface RecoveryCodes {
  /** Show these to the user once; never store them. Format `xxxxx-xxxxx` (50 random bits). */
  codes: string[];
  /** Store these: SHA-256 of each normalized code, hex. */
  hashes: string[];
}

const MAX_CODES = 20;
/** Longer input is never a recovery code (`xxxxx-xxxxx`, give or take spaces). */
export const MAX_RECOVERY_CODE_LENGTH = 64;

/**
 * N one-time recovery codes. 50 random bits each make a plain SHA-256 enough (a slow password hash
 * protects guessable secrets; these are not guessable) and keep `consumeRecoveryCode` cheap.
 */
export function generateRecoveryCodes(count = 10): RecoveryCodes {
  if (!Number.isInteger(count) || count < 1 || count > MAX_CODES) {
    throw new AuthProviderError(AuthProviderErrorCode.MfaInputInvalid, `count must be 1-${MAX_CODES}`);
  }
  const codes: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const raw = base32Encode(randomBytes(7)).slice(0, 10).toLowerCase();
    codes.push(`${raw.slice(0, 5)}-${raw.slice(5)}`);
  }
  return { codes, hashes: codes.map(hashRecoveryCode) };
}

/** The stored form of a code; case, spaces and dashes do not matter. */
export function hashRecoveryCode(code: string): string {
  const normalized = code.replace(/[\s-]/g, '').toLowerCase();
  return createHash('sha256').update(normalized).digest('hex');
}

/**
 * Checks a code against a list of hashes (constant time per hash). A match returns the hashes without
 * it; a wrong code returns `{ matched: false }`. The auth service does not use it to spend a code:
 * the user store's atomic `consumeRecoveryCode` does that, so parallel uses cannot both succeed.
 */
export function consumeRecoveryCode(
  hashes: readonly string[],
  code: string,
): { matched: true; remaining: string[] } | { matched: false } {
  if (typeof code !== 'string' || code.length > MAX_RECOVERY_CODE_LENGTH) return { matched: false };
  const given = Buffer.from(hashRecoveryCode(code), 'hex');
  let index = -1;
  hashes.forEach((hash, i) => {
    const stored = Buffer.from(hash, 'hex');
    if (stored.length === given.length && timingSafeEqual(stored, given) && index < 0) index = i;
  });
  if (index < 0) return { matched: false };
  return { matched: true, remaining: hashes.filter((_, i) => i !== index) };
}
