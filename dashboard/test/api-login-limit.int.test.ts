import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BrowserClient,
  createTestDatabase,
  type Reply,
  type RunningControlPlane,
  startControlPlane,
} from './api-harness.js';

// Failed-login limits under concurrency. Every reply that is not a 429 had its password checked
// (401 wrong, 200 right): the limit is reserved in PostgreSQL before the check, so concurrent
// requests cannot all slip past it. TRUST_PROXY: each request names its client address.
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let cp: RunningControlPlane;
let subnet = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  cp = await startControlPlane({ DATABASE_URL: db.url, TRUST_PROXY: '127.0.0.1', LOG_LEVEL: 'warn' });
});

afterAll(async () => {
  await cp?.close();
  await db?.drop();
});

/** A fresh block of client addresses per test: limits of one test never reach another. */
const addresses = () => {
  subnet++;
  return (i: number) => `198.51.${subnet}.${i + 1}`;
};
const email = () => `l${randomBytes(4).toString('hex')}@example.com`;
const login = (ip: string, mail: string, password: string): Promise<Reply> =>
  new BrowserClient(cp.url, ip).post('/api/auth/login', { email: mail, password });
const checked = (replies: Reply[]) => replies.filter((r) => r.status !== 429);

describe('failed-login limits under concurrency', () => {
  it('30 parallel wrong logins from one address: at most 5 passwords are checked', async () => {
    const ip = addresses()(0);
    const target = email();
    await new BrowserClient(cp.url, addresses()(0)).signup(target, 'the right password');
    const replies = await Promise.all(
      Array.from({ length: 30 }, (_, i) => login(ip, target, `wrong password ${i}`)),
    );
    expect(checked(replies).length).toBeLessThanOrEqual(5);
    expect(checked(replies).every((r) => r.status === 401)).toBe(true);
    for (const refused of replies.filter((r) => r.status === 429)) {
      expect(refused.body.error.code).toBe('rate_limited');
      expect(refused.body.retryAfter).toBeGreaterThan(0);
    }
  });

  it('40 parallel guesses from 40 addresses, the right one 16th: no session, at most 5 checks', async () => {
    const ip = addresses();
    const target = email();
    await new BrowserClient(cp.url, addresses()(0)).signup(target, 'the right password');
    const guess = (i: number) => login(ip(i), target, i === 15 ? 'the right password' : `wrong guess ${i}`);
    // The first 15 leave before the 16th (as an attacker's script would send them); all 40 are in
    // flight together.
    const early = Array.from({ length: 15 }, (_, i) => guess(i));
    await new Promise((resolve) => setImmediate(resolve));
    const replies = [...early, ...Array.from({ length: 25 }, (_, i) => guess(i + 15))];
    const settled = await Promise.all(replies);
    expect(checked(settled).length).toBeLessThanOrEqual(5);
    expect(settled[15]?.status).toBe(429);
    expect(settled.filter((r) => r.status === 200)).toEqual([]);
    expect(settled.some((r) => r.headers.get('set-cookie'))).toBe(false);
  });
});

describe('lockout per (email, address) and a per-email backoff', () => {
  it('locks the pair for the window; another address only waits a short backoff', async () => {
    const ip = addresses();
    const target = email();
    await new BrowserClient(cp.url, ip(9)).signup(target, 'the right password');
    for (let i = 0; i < 5; i++) expect((await login(ip(0), target, `wrong password ${i}`)).status).toBe(401);
    const locked = await login(ip(0), target, 'the right password');
    expect(locked.status).toBe(429);
    expect(locked.body.retryAfter).toBeGreaterThan(60);
    expect(locked.body.retryAfter).toBeLessThanOrEqual(900);
    const elsewhere = await login(ip(1), target, 'the right password');
    expect(elsewhere.status).toBe(429);
    expect(elsewhere.body.retryAfter).toBeLessThanOrEqual(10);
  });

  it('does not lock the owner out from an address they signed in from before', async () => {
    const ip = addresses();
    const target = email();
    await new BrowserClient(cp.url, ip(0)).signup(target, 'the right password');
    expect((await login(ip(0), target, 'the right password')).status).toBe(200);
    // An attacker spends the email's allowance from many addresses.
    const attack = await Promise.all(
      Array.from({ length: 20 }, (_, i) => login(ip(i + 10), target, `guess number ${i}`)),
    );
    expect(checked(attack).length).toBeLessThanOrEqual(5);
    const owner = await login(ip(0), target, 'the right password');
    expect(owner.status).toBe(200);
    expect(owner.body.user.email).toBe(target);
  });
});
