import { createHmac, timingSafeEqual } from 'node:crypto';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';

export type ActionPurpose = 'verify-email' | 'reset-password' | 'mfa-signin' | 'mfa-enroll';

/** What an action token says: whose, until when, and what it is bound to. */
export interface ActionClaims {
  /** User id. */
  s: string;
  /** Expiry, seconds since the epoch. */
  x: number;
  /** Binding: the email to verify, a fingerprint of the password hash to replace, the MFA step's nonce. */
  b: string;
}

const MAC_BYTES = 32;
const MAX_TOKEN = 256;

/**
 * Stateless one-purpose tokens for emailed links and the MFA sign-in step: base64url of
 * `JSON || HMAC-SHA256(key(app, purpose), JSON)` (no dots, so they fit a link's fragment). They are
 * made single-use by what they bind: a reset token names a fingerprint of the password hash it
 * replaces (a new hash has a new salt: the token stops working once used), a verification token the
 * email it confirms (using it twice changes nothing).
 */
export class ActionTokens {
  constructor(private readonly key: (appId: string, purpose: ActionPurpose) => Buffer) {}

  issue(appId: string, purpose: ActionPurpose, claims: Omit<ActionClaims, 'x'>, ttlSec: number): string {
    const json = Buffer.from(JSON.stringify({ ...claims, x: Math.floor(Date.now() / 1000) + ttlSec }));
    const mac = createHmac('sha256', this.key(appId, purpose)).update(json).digest();
    return Buffer.concat([json, mac]).toString('base64url');
  }

  /** The claims of a valid, unexpired token of this app and purpose; `action_token_invalid` otherwise. */
  verify(token: unknown, appId: string, purpose: ActionPurpose): ActionClaims {
    if (typeof token !== 'string' || token.length > MAX_TOKEN || !/^[A-Za-z0-9_-]+$/.test(token))
      throw invalid();
    const raw = Buffer.from(token, 'base64url');
    if (raw.length <= MAC_BYTES) throw invalid();
    const json = raw.subarray(0, raw.length - MAC_BYTES);
    const mac = raw.subarray(raw.length - MAC_BYTES);
    const expected = createHmac('sha256', this.key(appId, purpose)).update(json).digest();
    if (!timingSafeEqual(mac, expected)) throw invalid();
    let claims: ActionClaims;
    try {
      claims = JSON.parse(json.toString('utf8')) as ActionClaims;
    } catch {
      throw invalid();
    }
    if (typeof claims.s !== 'string' || typeof claims.b !== 'string' || typeof claims.x !== 'number')
      throw invalid();
    if (claims.x * 1000 <= Date.now()) throw invalid('the link has expired; ask for a new one');
    return claims;
  }
}

function invalid(
  message = 'the token is not valid (malformed, for another purpose, or used)',
): RelayBoxError {
  return new RelayBoxError(ErrorCode.ActionTokenInvalid, message);
}
