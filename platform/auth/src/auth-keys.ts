import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/** The `keyId` half of an access token's `kid` (`<appId>.$auth`): no API key id can contain `$`. */
export const AUTH_KEY_ID = '$auth';

/** Shortest deployment auth secret accepted (`RELAYBOX_AUTH_SECRET`). */
export const MIN_AUTH_SECRET_BYTES = 32;

/**
 * Keys derived from the deployment's auth secret (shared by every gateway of a deployment, never
 * stored with the users): per-app access-token signing keys and the key that seals TOTP seeds.
 * Each is HMAC-SHA256(secret, purpose), so one key never serves two purposes or two apps.
 */
export class AuthKeys {
  private readonly signing = new Map<string, Uint8Array>();
  private readonly sealKey: Buffer;

  constructor(private readonly secret: string) {
    if (Buffer.byteLength(secret) < MIN_AUTH_SECRET_BYTES) {
      throw new Error(`the auth secret must be at least ${MIN_AUTH_SECRET_BYTES} bytes`);
    }
    this.sealKey = derive(secret, 'relaybox/auth/seal/v1');
  }

  /** The HS256 key of the app's access tokens. */
  signingKey(appId: string): Uint8Array {
    let key = this.signing.get(appId);
    if (!key) {
      key = new Uint8Array(derive(this.secret, `relaybox/auth/signing/v1:${appId}`));
      if (this.signing.size > 10_000) this.signing.clear();
      this.signing.set(appId, key);
    }
    return key;
  }

  /** The HMAC key of one app's action tokens of one purpose (`ActionTokens`). */
  actionKey(appId: string, purpose: string): Buffer {
    return derive(this.secret, `relaybox/auth/action/v1:${purpose}:${appId}`);
  }

  /** AES-256-GCM: `v1.<iv>.<ciphertext>.<tag>` (base64url), bound to `context` (e.g. app and user). */
  seal(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.sealKey, iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv, body, cipher.getAuthTag()]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  /** Throws when the box was not sealed by this secret for this context. */
  open(sealed: string, context: string): string {
    const [version, iv, body, tag] = sealed.split('.');
    if (version !== 'v1' || iv === undefined || body === undefined || tag === undefined) {
      throw new Error('not a sealed secret');
    }
    const decipher = createDecipheriv('aes-256-gcm', this.sealKey, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  }
}

function derive(secret: string, purpose: string): Buffer {
  return createHmac('sha256', secret).update(purpose).digest();
}
