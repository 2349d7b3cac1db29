import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM sealing of secrets at rest (API key secrets, webhook secrets) under the master key.
 * Layout: `version (1 byte) | iv (12) | tag (16) | ciphertext`. The version byte names the master
 * key that sealed the value, so the master key can be rotated: new values use the current key,
 * old ones still open with a previous key. `context` (e.g. `key:<appId>.<keyId>`) is bound as
 * additional authenticated data, so a sealed value copied onto another row does not open.
 */
export class SecretBox {
  private readonly keys: ReadonlyMap<number, Buffer>;

  constructor(
    private readonly currentVersion: number,
    currentKey: Buffer,
    previous: ReadonlyMap<number, Buffer> = new Map(),
  ) {
    if (currentKey.length !== 32) throw new Error('SecretBox: the master key must be 32 bytes');
    this.keys = new Map([...previous, [currentVersion, currentKey]]);
  }

  seal(plaintext: string, context: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const key = this.keys.get(this.currentVersion) as Buffer;
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([this.currentVersion]), iv, cipher.getAuthTag(), ciphertext]);
  }

  /** Throws when the value was sealed under an unknown key, for another context, or was altered. */
  open(sealed: Uint8Array, context: string): string {
    const buf = Buffer.from(sealed);
    const key = this.keys.get(buf[0] ?? -1);
    if (!key) throw new Error(`SecretBox: no master key with version ${buf[0]}`);
    const iv = buf.subarray(1, 1 + IV_BYTES);
    const tag = buf.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(tag);
    const ciphertext = buf.subarray(1 + IV_BYTES + TAG_BYTES);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  }
}
