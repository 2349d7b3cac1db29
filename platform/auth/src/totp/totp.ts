import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AuthProviderError, AuthProviderErrorCode } from '../auth-provider-error.js';
import { base32Decode, base32Encode } from './base32.js';

/** RFC 6238 parameters. The defaults are the ones every authenticator app supports. */
export interface TotpOptions {
  /** HMAC hash (RFC 6238 §1.2); default `sha1`. */
  algorithm?: 'sha1' | 'sha256' | 'sha512';
  /** Code length, 6-8; default 6. */
  digits?: number;
  /** Time step in seconds; default 30. */
  periodSec?: number;
}

export interface TotpVerifyOptions extends TotpOptions {
  /** Steps accepted before and after the current one (clock drift); default 1, at most 10. */
  window?: number;
  /** The time to check against, ms since the epoch; default now. */
  now?: number;
}

/** A matched code: `step` is its RFC 6238 time step. Refuse a second code of the same (or an older) step. */
export interface TotpMatch {
  step: number;
}

const SECRET_BYTES = 20; // 160 bits, the HMAC-SHA1 block the RFC recommends (RFC 4226 §4 R6)
const MAX_SECRET_BYTES = 128;

/** A fresh random secret, base32 (what the otpauth:// URI and the user's app carry). */
export function generateTotpSecret(bytes = SECRET_BYTES): string {
  if (!Number.isInteger(bytes) || bytes < 16 || bytes > 64) {
    throw new AuthProviderError(AuthProviderErrorCode.MfaInputInvalid, 'secret size must be 16-64 bytes');
  }
  return base32Encode(randomBytes(bytes));
}

/** The time step of a moment (RFC 6238 §4.2: T = floor((now - T0) / X), T0 = 0). */
export function totpStep(now: number = Date.now(), periodSec = 30): number {
  return Math.floor(now / 1000 / periodSec);
}

/** The code of one time step (RFC 4226 HOTP with the step as counter, dynamic truncation). */
export function totpCodeAt(secret: string | Uint8Array, step: number, options: TotpOptions = {}): string {
  const { algorithm, digits } = resolve(options);
  const key = secretBytes(secret);
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac(algorithm, key).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** The current code (what the user's app shows now). */
export function totpCode(secret: string | Uint8Array, options: TotpVerifyOptions = {}): string {
  return totpCodeAt(secret, totpStep(options.now, resolve(options).periodSec), options);
}

/**
 * Checks a code against the current step and `window` steps either side, in constant time per
 * candidate. Returns the matched step, or null for a wrong code. A code of the wrong shape is also
 * just wrong (null): the caller counts it against the attempt limit like any other.
 */
export function verifyTotp(
  secret: string | Uint8Array,
  code: string,
  options: TotpVerifyOptions = {},
): TotpMatch | null {
  const { digits, periodSec } = resolve(options);
  const window = options.window ?? 1;
  if (!Number.isInteger(window) || window < 0 || window > 10) {
    throw new AuthProviderError(AuthProviderErrorCode.MfaInputInvalid, 'window must be 0-10 steps');
  }
  const given = Buffer.from(code.replace(/\s/g, ''));
  if (given.length !== digits || !/^\d+$/.test(given.toString())) return null;
  const current = totpStep(options.now, periodSec);
  let matched: number | null = null;
  // Every candidate is computed and compared, so the time taken does not say which one matched.
  for (let delta = -window; delta <= window; delta += 1) {
    const step = current + delta;
    if (step < 0) continue;
    const expected = Buffer.from(totpCodeAt(secret, step, options));
    if (timingSafeEqual(expected, given) && matched === null) matched = step;
  }
  return matched === null ? null : { step: matched };
}

function resolve(options: TotpOptions): Required<TotpOptions> {
  const algorithm = options.algorithm ?? 'sha1';
  const digits = options.digits ?? 6;
  const periodSec = options.periodSec ?? 30;
  if (!['sha1', 'sha256', 'sha512'].includes(algorithm)) {
    throw new AuthProviderError(AuthProviderErrorCode.MfaInputInvalid, `unknown algorithm ${algorithm}`);
  }
  if (!Number.isInteger(digits) || digits < 6 || digits > 8) {
    throw new AuthProviderError(AuthProviderErrorCode.MfaInputInvalid, 'digits must be 6-8');
  }
  if (!Number.isInteger(periodSec) || periodSec < 1 || periodSec > 300) {
    throw new AuthProviderError(AuthProviderErrorCode.MfaInputInvalid, 'period must be 1-300 s');
  }
  return { algorithm, digits, periodSec };
}

function secretBytes(secret: string | Uint8Array): Uint8Array {
  const bytes = typeof secret === 'string' ? base32Decode(secret) : secret;
  if (bytes.length < 10 || bytes.length > MAX_SECRET_BYTES) {
    throw new AuthProviderError(AuthProviderErrorCode.MfaInputInvalid, 'secret must be 10-128 bytes');
  }
  return bytes;
}
