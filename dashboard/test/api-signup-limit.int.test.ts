import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BrowserClient,
  createTestDatabase,
  type Reply,
  type RunningControlPlane,
  startControlPlane,
} from './api-harness.js';

// Signups per client IP (SIGNUP_RATE_LIMIT per hour, counted in PostgreSQL). Two control planes
// that trust X-Forwarded-For share one database (the counts are shared); a third one on the same
// database does not trust it, so every request counts for the socket's address (127.0.0.1).
const LIMIT = 3;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let trusting: RunningControlPlane;
let trustingToo: RunningControlPlane;
let direct: RunningControlPlane;

beforeAll(async () => {
  db = await createTestDatabase();
  const env = { DATABASE_URL: db.url, SIGNUP_RATE_LIMIT: String(LIMIT), LOG_LEVEL: 'warn' };
  trusting = await startControlPlane({ ...env, TRUST_PROXY: '127.0.0.1' });
  trustingToo = await startControlPlane({ ...env, TRUST_PROXY: '127.0.0.1' });
  direct = await startControlPlane(env);
});

afterAll(async () => {
  await Promise.allSettled([trusting?.close(), trustingToo?.close(), direct?.close()]);
  await db?.drop();
});

const email = () => `s${randomBytes(4).toString('hex')}@example.com`;
const signup = (cp: RunningControlPlane, ip: string): Promise<Reply> =>
  new BrowserClient(cp.url, ip).post('/api/auth/signup', { email: email(), password: 'a long password' });

function expectLimited(reply: Reply): void {
  expect(reply.status).toBe(429);
  expect(reply.body.error.code).toBe('rate_limited');
  expect(reply.body.retryAfter).toBeGreaterThan(0);
  expect(reply.body.retryAfter).toBeLessThanOrEqual(3600);
  expect(reply.headers.get('retry-after')).toBe(String(reply.body.retryAfter));
}

describe('signup rate limit per client IP', () => {
  it(`refuses signup ${LIMIT + 1} from one IP with 429 rate_limited; another IP is unaffected`, async () => {
    for (let i = 0; i < LIMIT; i++) expect((await signup(trusting, '203.0.113.1')).status).toBe(201);
    expectLimited(await signup(trusting, '203.0.113.1'));
    // The count lives in PostgreSQL: another process sees it too.
    expectLimited(await signup(trustingToo, '203.0.113.1'));
    expect((await signup(trusting, '203.0.113.2')).status).toBe(201);
  });

  it('counts refused attempts (an existing email) too', async () => {
    const client = new BrowserClient(trusting.url, '203.0.113.3');
    const taken = email();
    expect(
      (await client.post('/api/auth/signup', { email: taken, password: 'a long password' })).status,
    ).toBe(201);
    for (let i = 1; i < LIMIT; i++) {
      const again = await client.post('/api/auth/signup', { email: taken, password: 'a long password' });
      expect(again.body.error.code).toBe('signup_failed');
    }
    expectLimited(await signup(trusting, '203.0.113.3'));
  });

  it('does not trust X-Forwarded-For without TRUST_PROXY: a spoofed header gets no fresh count', async () => {
    for (let i = 0; i < LIMIT; i++) expect((await signup(direct, `198.51.100.${i + 1}`)).status).toBe(201);
    expectLimited(await signup(direct, '198.51.100.99'));
  });

  it(`lets at most ${LIMIT} of 20 concurrent signups from one IP through (reserved atomically)`, async () => {
    const ip = `10.${[...randomBytes(3)].join('.')}`;
    const replies = await Promise.all(Array.from({ length: 20 }, () => signup(trusting, ip)));
    expect(replies.filter((r) => r.status === 201)).toHaveLength(LIMIT);
    for (const reply of replies.filter((r) => r.status !== 201)) expectLimited(reply);
  });
});
