import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox } from './secret-box.js';

describe('SecretBox', () => {
  const key = randomBytes(32);

  it('seals with a version byte and a random IV, and opens in the same context', () => {
    const box = new SecretBox(1, key);
    const a = box.seal('the secret', 'api-key:a.k');
    const b = box.seal('the secret', 'api-key:a.k');
    expect(a[0]).toBe(1);
    expect(a.length).toBe(1 + 12 + 16 + 'the secret'.length);
    expect(a.equals(b)).toBe(false);
    expect(a.includes(Buffer.from('the secret'))).toBe(false);
    expect(box.open(a, 'api-key:a.k')).toBe('the secret');
  });

  it('refuses another context, a tampered value and another master key', () => {
    const box = new SecretBox(1, key);
    const sealed = box.seal('the secret', 'api-key:a.k');
    expect(() => box.open(sealed, 'api-key:b.k')).toThrow();
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
    expect(() => box.open(tampered, 'api-key:a.k')).toThrow();
    expect(() => new SecretBox(1, randomBytes(32)).open(sealed, 'api-key:a.k')).toThrow();
  });

  it('opens values of the previous master key after a rotation and seals with the new one', () => {
    const old = new SecretBox(1, key);
    const sealed = old.seal('old secret', 'webhook:w1');
    const next = new SecretBox(2, randomBytes(32), new Map([[1, key]]));
    expect(next.open(sealed, 'webhook:w1')).toBe('old secret');
    expect(next.seal('new', 'webhook:w1')[0]).toBe(2);
    expect(() => new SecretBox(2, randomBytes(32)).open(sealed, 'webhook:w1')).toThrow(/version 1/);
  });
});
