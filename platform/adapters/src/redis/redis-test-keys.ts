import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

// Helpers of the Redis integration tests (not exported from the package).

export const REDIS_URL = 'redis://127.0.0.1:6379';

/** A key prefix of its own for one test or suite, so tests never see each other's keys. */
export const uniquePrefix = (): string => `rbtest:${randomBytes(5).toString('hex')}:`;

/** Every key under the prefix, sorted (SCAN, never KEYS). */
export async function keysOf(admin: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys.sort();
}

/** Deletes every key under the prefix. */
export async function deleteKeys(prefix: string): Promise<void> {
  const admin = new Redis(REDIS_URL);
  try {
    const keys = await keysOf(admin, prefix);
    for (let i = 0; i < keys.length; i += 500) await admin.del(...keys.slice(i, i + 500));
  } finally {
    admin.disconnect();
  }
}
