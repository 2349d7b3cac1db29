import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BrowserClient,
  createTestDatabase,
  type RunningControlPlane,
  startControlPlane,
} from './api-harness.js';

// TRUST_PROXY lets each test act from its own client IP (x-forwarded-for), so the per-IP login
// limit of one test does not leak into the others.
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let cp: RunningControlPlane;
let ipCounter = 1;
const client = () => new BrowserClient(cp.url, `10.0.0.${ipCounter++}`);

beforeAll(async () => {
  db = await createTestDatabase();
  cp = await startControlPlane({ DATABASE_URL: db.url, TRUST_PROXY: '127.0.0.1' });
});

afterAll(async () => {
  await cp?.close();
  await db?.drop();
});

describe('accounts', () => {
  it('signs up, reads me, logs out and logs back in', async () => {
    const browser = client();
    const signup = await browser.post('/api/auth/signup', {
      email: '  Alice@Example.COM ',
      password: 'a long password',
    });
    expect(signup.status).toBe(201);
    expect(signup.body.user.email).toBe('alice@example.com');
    expect(typeof signup.body.csrfToken).toBe('string');
    const me = await browser.get('/api/auth/me');
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ user: signup.body.user, csrfToken: signup.body.csrfToken });

    const cookie = browser.cookie;
    const logout = await browser.post('/api/auth/logout');
    expect(logout.status).toBe(204);
    expect(browser.cookie).toBeNull();
    expect((await browser.get('/api/auth/me')).status).toBe(401);
    // The old cookie is dead server-side too.
    browser.cookie = cookie;
    const stale = await browser.get('/api/auth/me');
    expect(stale.status).toBe(401);
    expect(stale.body.error.code).toBe('unauthorized');

    const login = await browser.post('/api/auth/login', {
      email: 'alice@example.com',
      password: 'a long password',
    });
    expect(login.status).toBe(200);
    expect(login.body.user).toEqual(signup.body.user);
    expect((await browser.get('/api/auth/me')).body.user.id).toBe(signup.body.user.id);
  });

  it('sets the session cookie httpOnly, SameSite=Lax, 7 days, Secure only when configured', async () => {
    const browser = client();
    const response = await fetch(`${cp.url}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': browser.ip },
      body: JSON.stringify({ email: 'cookie@example.com', password: 'a long password' }),
    });
    const [cookie] = response.headers.getSetCookie();
    expect(cookie).toMatch(/^rb_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    expect(cookie).toContain('Max-Age=604800');
    expect(cookie).toContain('Path=/');
    expect(cookie).not.toContain('Secure');

    const secure = await fetch(`${cp.url}/api/auth/login`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-forwarded-for': browser.ip,
        'x-forwarded-proto': 'https',
      },
      body: JSON.stringify({ email: 'cookie@example.com', password: 'a long password' }),
    });
    expect(secure.status).toBe(200);
    expect(secure.headers.getSetCookie()[0]).toContain('Secure');
  });

  it('refuses a second signup with the same email generically', async () => {
    await client().post('/api/auth/signup', { email: 'dup@example.com', password: 'a long password' });
    const again = await client().post('/api/auth/signup', {
      email: 'DUP@example.com',
      password: 'another password',
    });
    expect(again.status).toBe(400);
    expect(again.body).toEqual({
      error: { code: 'signup_failed', message: 'could not create an account with these details' },
    });
  });

  it('validates signup input with the failing field', async () => {
    const short = await client().post('/api/auth/signup', { email: 'short@example.com', password: 'short' });
    expect(short.status).toBe(400);
    expect(short.body.error.code).toBe('invalid_request');
    expect(short.body.error.field).toBe('password');
    const extra = await client().post('/api/auth/signup', {
      email: 'x@example.com',
      password: 'a long password',
      admin: true,
    });
    expect(extra.status).toBe(400);
    expect(extra.body.error.field).toBe('admin');
    const missing = await client().post('/api/auth/signup', { password: 'a long password' });
    expect(missing.body.error.field).toBe('email');
  });

  it('gives identical answers for an unknown email and a wrong password', async () => {
    await client().signup('known@example.com', 'the right password');
    const wrong = await client().post('/api/auth/login', {
      email: 'known@example.com',
      password: 'the wrong password',
    });
    const unknown = await client().post('/api/auth/login', {
      email: 'nobody@example.com',
      password: 'the wrong password',
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(unknown.text).toBe(wrong.text);
    expect(wrong.body).toEqual({
      error: { code: 'invalid_credentials', message: 'email or password is wrong' },
    });
    expect(unknown.headers.get('set-cookie')).toBeNull();
  });

  it('after 5 failed logins of an email, a new address waits a backoff, even with the right password', async () => {
    await client().signup('target@example.com', 'the right password');
    for (let i = 0; i < 5; i++) {
      // Each try from another IP: only the per-email count can trip.
      const reply = await client().post('/api/auth/login', {
        email: 'target@example.com',
        password: `wrong password ${i}`,
      });
      expect(reply.status).toBe(401);
    }
    const limited = await client().post('/api/auth/login', {
      email: 'target@example.com',
      password: 'the right password',
    });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(limited.body.retryAfter).toBeGreaterThan(0);
    expect(limited.body.error.retryAfter).toBe(limited.body.retryAfter);
    // A backoff (10 s, doubling), not a 15-minute lockout: see login-rate-limiter.ts.
    expect(limited.body.retryAfter).toBeLessThanOrEqual(10);
    expect(limited.headers.get('retry-after')).toBe(String(limited.body.retryAfter));
  });

  it('limits failed logins per IP (20 per 15 min) across emails', async () => {
    const attacker = client();
    for (let i = 0; i < 20; i++) {
      const reply = await attacker.post('/api/auth/login', {
        email: `victim${i}@example.com`,
        password: 'guess guess guess',
      });
      expect(reply.status).toBe(401);
    }
    const limited = await attacker.post('/api/auth/login', {
      email: 'fresh@example.com',
      password: 'guess guess guess',
    });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    // Another IP is unaffected.
    const other = await client().post('/api/auth/login', {
      email: 'fresh@example.com',
      password: 'guess guess guess',
    });
    expect(other.status).toBe(401);
  });
});

describe('CSRF and content type', () => {
  it('refuses a non-GET request with a session but a missing or wrong x-csrf-token', async () => {
    const browser = client();
    await browser.signup();
    const missing = await browser.request('POST', '/api/apps', { name: 'x' }, { csrf: null });
    expect(missing.status).toBe(403);
    expect(missing.body.error.code).toBe('csrf_invalid');
    const wrong = await browser.request('POST', '/api/apps', { name: 'x' }, { csrf: 'not-the-token' });
    expect(wrong.status).toBe(403);
    const logout = await browser.request('POST', '/api/auth/logout', undefined, { csrf: null });
    expect(logout.status).toBe(403);
    expect((await browser.get('/api/apps')).body.items).toEqual([]);
    const ok = await browser.post('/api/apps', { name: 'x' });
    expect(ok.status).toBe(201);
  });

  it('requires JSON bodies and rejects malformed JSON', async () => {
    const browser = client();
    await browser.signup();
    const form = await browser.request('POST', '/api/apps', undefined, {
      rawBody: 'name=x',
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(415);
    expect(form.body.error.code).toBe('invalid_request');
    const text = await browser.request('POST', '/api/apps', undefined, {
      rawBody: '{"name":"x"}',
      contentType: 'text/plain',
    });
    expect(text.status).toBe(415);
    const broken = await browser.request('POST', '/api/apps', undefined, {
      rawBody: '{"name":',
      contentType: 'application/json',
    });
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe('invalid_request');
  });

  it('answers 401 without a session and a JSON 404 for unknown API routes', async () => {
    const anonymous = client();
    const apps = await anonymous.get('/api/apps');
    expect(apps.status).toBe(401);
    expect(apps.body.error.code).toBe('unauthorized');
    const create = await anonymous.post('/api/apps', { name: 'x' });
    expect(create.status).toBe(401);
    const unknown = await anonymous.get('/api/nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('not_found');
  });
});
