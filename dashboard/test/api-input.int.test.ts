import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BrowserClient,
  createTestDatabase,
  internal,
  type Reply,
  type RunningControlPlane,
  startControlPlane,
} from './api-harness.js';

// Control characters (NUL first: PostgreSQL text cannot hold it) are refused with a 400 in the
// shared error shape before any input reaches PostgreSQL, and no log line ever carries a query's
// parameters (the email, the password's hash) or a request body.
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let cp: RunningControlPlane;
let browser: BrowserClient;
let appId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  cp = await startControlPlane({ DATABASE_URL: db.url, LOG_LEVEL: 'debug' });
  browser = new BrowserClient(cp.url);
  await browser.signup();
  appId = (await browser.post('/api/apps', { name: 'input' })).body.id;
});

afterAll(async () => {
  await cp?.close();
  await db?.drop();
});

function expectRefused(reply: Reply, what: string): void {
  expect(reply.status, what).toBe(400);
  expect(reply.body.error.code, what).toBe('invalid_request');
  expect(reply.body.error.message, what).toContain('control character');
  expect(typeof reply.body.error.field, what).toBe('string');
}

describe('control characters in input', () => {
  it('refuses NUL and other control characters in every field that reaches PostgreSQL', async () => {
    const anonymous = new BrowserClient(cp.url);
    const cases: Array<[string, () => Promise<Reply>]> = [
      [
        'signup email',
        () =>
          anonymous.post('/api/auth/signup', { email: 'nul\u0000@example.com', password: 'a long password' }),
      ],
      [
        'login email',
        () =>
          anonymous.post('/api/auth/login', { email: 'nul\u0000@example.com', password: 'a long password' }),
      ],
      ['app name', () => browser.post('/api/apps', { name: 'bad\u0000name' })],
      ['app rename', () => browser.patch(`/api/apps/${appId}`, { name: 'bad\u0001name' })],
      [
        'key name',
        () =>
          browser.post(`/api/apps/${appId}/keys`, { name: 'k\u0000', permissions: { '*': ['subscribe'] } }),
      ],
      [
        'key permission pattern',
        () =>
          browser.post(`/api/apps/${appId}/keys`, { name: 'k', permissions: { 'a\u0000': ['subscribe'] } }),
      ],
      ['app id in the path', () => browser.get('/api/apps/app%00x')],
      ['webhook app id', () => browser.get('/api/apps/app%00x/webhooks')],
      ['usage query', () => browser.get(`/api/apps/${appId}/usage?days=1%00`)],
    ];
    for (const [what, send] of cases) expectRefused(await send(), what);
  });

  it('refuses them on the internal API too', async () => {
    const reply = await internal(cp, 'GET', '/apps/app%00x/config');
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe('invalid_request');
  });

  it('accepts ordinary text, tabs and line breaks in a name', async () => {
    const reply = await browser.post('/api/apps', { name: 'Ünïcode\tname' });
    expect(reply.status).toBe(201);
  });
});

describe('logs', () => {
  // On embedded PGlite: its errors carry the failing query and its parameters as fields.
  it('never carry an email, a password hash or a body, even when a query fails', async () => {
    const embedded = await startControlPlane({ LOG_LEVEL: 'debug' });
    try {
      const email = 'secret-person@example.com';
      const client = new BrowserClient(embedded.url);
      await client.post('/api/auth/signup', { email, password: 'the password 123' });
      await client.post('/api/auth/signup', { email: `x\u0000${email}`, password: 'the password 123' });
      await client.post('/api/auth/login', { email, password: 'wrong password 1' });
      // A query that fails inside PostgreSQL, logged the way the error handler logs a 500.
      const failing = await embedded.controlPlane.database.db
        .insertInto('users')
        .values({ id: 'usr_x', email: `${email}\u0000`, password_hash: '$argon2id$v=19$not-a-real-hash' })
        .execute()
        .catch((error: unknown) => error);
      expect(failing).toBeInstanceOf(Error);
      embedded.controlPlane.app.log.error({ err: failing }, 'request failed');
      const text = embedded.logs.join('\n');
      expect(text).toContain('request failed');
      expect(text).toContain('22021');
      expect(text).not.toContain('secret-person');
      expect(text).not.toContain('$argon2id');
      expect(text).not.toContain('the password');
    } finally {
      await embedded.close();
    }
  });
});
