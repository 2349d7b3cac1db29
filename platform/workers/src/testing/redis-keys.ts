import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const REDIS_URL = 'redis://127.0.0.1:6379';

/** A key prefix no other test uses (BullMQ adds its own `:` after it). */
export function uniquePrefix(): string {
  return `rbtest:${randomBytes(5).toString('hex')}`;
}

/** Deletes every key under `prefix`; returns how many there were. */
export async function deleteKeys(prefix: string): Promise<number> {
  const admin = new Redis(REDIS_URL);
  try {
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    return keys.length;
  } finally {
    admin.disconnect();
  }
}
