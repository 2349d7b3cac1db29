import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BrowserClient,
  createTestDatabase,
  internal,
  openKeyEventStream,
  type RunningControlPlane,
  startControlPlane,
} from './api-harness.js';

// An app's user pool in the REAL control plane (fresh PostgreSQL database): the settings routes and
// their bounds, providers whose client secret is sealed at rest and never answered, and what the
// gateways read through the internal API.
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let cp: RunningControlPlane;
let browser: BrowserClient;
let appId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  cp = await startControlPlane({ DATABASE_URL: db.url, LOG_LEVEL: 'trace' });
  browser = new BrowserClient(cp.url);
  await browser.signup();
  appId = (await browser.post('/api/apps', { name: 'shop' })).body.id;
});

afterAll(async () => {
  await cp?.close();
  await db?.drop();
});

const CLIENT_SECRET = 'gh-client-secret-never-shown-0123456789';

describe('control-plane auth settings', () => {
  it('an app starts without a user pool; the gateways read auth: null', async () => {
    const got = await browser.get(`/api/apps/${appId}/auth`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ settings: { enabled: false, mfa: 'optional' }, providers: [] });
    expect((await internal(cp, 'GET', `/apps/${appId}/config`)).body.auth).toBeNull();
  });

  it('saves settings, pushes app-updated, and serves them to the gateways in the apps-file shape', async () => {
    const events = await openKeyEventStream(cp);
    try {
      const saved = await browser.patch(`/api/apps/${appId}/auth`, {
        enabled: true,
        userPermissions: { 'chat:>': ['subscribe', 'publish'] },
        mfa: 'off',
        redirectUris: ['https://shop.example/callback'],
        accessTokenTtlSec: 600,
      });
      expect(saved.status).toBe(200);
      expect(saved.body.settings).toMatchObject({ enabled: true, mfa: 'off', accessTokenTtlSec: 600 });
      await events.next((e) => e.event === 'app-updated' && (e.data as { appId: string }).appId === appId);
    } finally {
      events.close();
    }
    // A later patch keeps the fields it does not name.
    await browser.patch(`/api/apps/${appId}/auth`, { minPasswordLength: 12 });
    const config = await internal(cp, 'GET', `/apps/${appId}/config`);
    expect(config.body.auth).toEqual({
      userPermissions: { 'chat:>': ['subscribe', 'publish'] },
      accessTokenTtlSec: 600,
      refreshTokenTtlSec: 2_592_000,
      minPasswordLength: 12,
      signInLimits: { perAccount: 5, perAddress: 30, windowSec: 900 },
      emailLinks: {},
      requireEmailVerification: false,
      redirectUris: ['https://shop.example/callback'],
      mfa: { required: false, allowed: false },
      providers: [],
    });
  });

  it('saves sign-in limits, the app name, email links and requireEmailVerification, and serves them to the gateways', async () => {
    const events = await openKeyEventStream(cp);
    try {
      const saved = await browser.patch(`/api/apps/${appId}/auth`, {
        signInLimits: { perAccount: 3, windowSec: 600 },
        appName: 'Shop',
        emailLinks: { verifyUrl: 'https://shop.example/verify', resetUrl: 'https://shop.example/reset' },
        requireEmailVerification: true,
      });
      expect(saved.status).toBe(200);
      expect(saved.body.settings).toMatchObject({
        signInLimits: { perAccount: 3, perAddress: 30, windowSec: 600 },
        appName: 'Shop',
        emailLinks: { verifyUrl: 'https://shop.example/verify', resetUrl: 'https://shop.example/reset' },
        requireEmailVerification: true,
      });
      await events.next((e) => e.event === 'app-updated' && (e.data as { appId: string }).appId === appId);
    } finally {
      events.close();
    }
    // Nested fields merge one by one; null clears a link.
    await browser.patch(`/api/apps/${appId}/auth`, {
      signInLimits: { perAddress: 50 },
      emailLinks: { resetUrl: null },
    });
    expect((await browser.get(`/api/apps/${appId}/auth`)).body.settings).toMatchObject({
      signInLimits: { perAccount: 3, perAddress: 50, windowSec: 600 },
      emailLinks: { verifyUrl: 'https://shop.example/verify', resetUrl: null },
    });
    const config = (await internal(cp, 'GET', `/apps/${appId}/config`)).body.auth;
    expect(config).toMatchObject({
      signInLimits: { perAccount: 3, perAddress: 50, windowSec: 600 },
      appName: 'Shop',
      emailLinks: { verifyUrl: 'https://shop.example/verify' },
      requireEmailVerification: true,
    });
    expect(config.emailLinks).not.toHaveProperty('resetUrl');
    // Back to the defaults for the tests below.
    const reset = await browser.patch(`/api/apps/${appId}/auth`, {
      signInLimits: { perAccount: 5, perAddress: 30, windowSec: 900 },
      appName: null,
      emailLinks: { verifyUrl: null },
      requireEmailVerification: false,
    });
    expect(reset.status).toBe(200);
    expect((await internal(cp, 'GET', `/apps/${appId}/config`)).body.auth).not.toHaveProperty('appName');
  });

  it('refuses settings out of bounds with invalid_request naming the field', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ mfa: 'sometimes' }, 'mfa'],
      [{ enabled: 'yes' }, 'enabled'],
      [{ redirectUris: ['https://a.example/#frag'] }, 'redirectUris'],
      [{ redirectUris: ['javascript:alert(1)'] }, 'redirectUris'],
      [{ redirectUris: Array.from({ length: 21 }, (_, i) => `https://a.example/${i}`) }, 'redirectUris'],
      [{ userPermissions: { 'chat:>': ['fly'] } }, 'userPermissions'],
      [{ userPermissions: { 'a::b': ['publish'] } }, 'userPermissions'],
      [{ accessTokenTtlSec: 29 }, 'accessTokenTtlSec'],
      [{ refreshTokenTtlSec: 366 * 86_400 }, 'refreshTokenTtlSec'],
      [{ minPasswordLength: 7 }, 'minPasswordLength'],
      [{ surprise: 1 }, 'surprise'],
      [{ signInLimits: { perAccount: 0 } }, 'signInLimits.perAccount'],
      [{ signInLimits: { perAddress: 100_001 } }, 'signInLimits.perAddress'],
      [{ signInLimits: { windowSec: 1.5 } }, 'signInLimits.windowSec'],
      [{ signInLimits: { perMinute: 1 } }, 'signInLimits'],
      [{ signInLimits: 5 }, 'signInLimits'],
      [{ appName: '' }, 'appName'],
      [{ appName: 'a:b' }, 'appName'],
      [{ appName: 'x'.repeat(101) }, 'appName'],
      [{ emailLinks: { verifyUrl: 'javascript:alert(1)' } }, 'emailLinks.verifyUrl'],
      [{ emailLinks: { resetUrl: 'https://a.example/#frag' } }, 'emailLinks.resetUrl'],
      [{ emailLinks: { otherUrl: 'https://a.example/' } }, 'emailLinks'],
      [{ requireEmailVerification: 'yes' }, 'requireEmailVerification'],
      // Across fields: verification needs the page its link opens.
      [{ requireEmailVerification: true }, 'requireEmailVerification'],
    ];
    for (const [body, field] of cases) {
      const reply = await browser.patch(`/api/apps/${appId}/auth`, body);
      expect([reply.status, reply.body.error.code], JSON.stringify(body)).toEqual([400, 'invalid_request']);
      expect(reply.body.error.field, JSON.stringify(body)).toContain(field);
    }
    expect((await browser.get(`/api/apps/${appId}/auth`)).body.settings.minPasswordLength).toBe(12);
  });

  it('providers: the client secret is sealed at rest and never answered; limits and duplicates are refused', async () => {
    const created = await browser.post(`/api/apps/${appId}/auth/providers`, {
      id: 'github',
      kind: 'github',
      clientId: 'gh-client',
      clientSecret: CLIENT_SECRET,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'github', kind: 'github', clientId: 'gh-client', issuer: null });
    expect(created.text).not.toContain(CLIENT_SECRET);
    const oidc = await browser.post(`/api/apps/${appId}/auth/providers`, {
      id: 'corp',
      kind: 'oidc',
      issuer: 'https://login.corp.example',
      clientId: 'corp-client',
      clientSecret: 'corp-secret-0123',
      scopes: ['openid', 'email'],
    });
    expect(oidc.status).toBe(201);
    const listed = await browser.get(`/api/apps/${appId}/auth`);
    expect(listed.body.providers.map((p: { id: string }) => p.id)).toEqual(['github', 'corp']);
    expect(listed.text).not.toContain(CLIENT_SECRET);
    expect(listed.text).not.toContain('corp-secret-0123');

    const rows = await queryRows('SELECT client_secret_enc FROM app_auth_providers WHERE app_id = $1', [
      appId,
    ]);
    expect(rows).toHaveLength(2);
    for (const row of rows)
      expect((row.client_secret_enc as Buffer).toString('latin1')).not.toContain('secret');

    const gateway = (await internal(cp, 'GET', `/apps/${appId}/config`)).body.auth;
    expect(gateway.providers).toEqual([
      { id: 'github', kind: 'github', clientId: 'gh-client', clientSecret: CLIENT_SECRET },
      {
        id: 'corp',
        kind: 'oidc',
        issuer: 'https://login.corp.example',
        clientId: 'corp-client',
        clientSecret: 'corp-secret-0123',
        scopes: ['openid', 'email'],
      },
    ]);

    // A new secret replaces the old one, write-only.
    const rotated = await browser.patch(`/api/apps/${appId}/auth/providers/corp`, {
      clientSecret: 'corp-secret-4567',
    });
    expect(rotated.status).toBe(200);
    expect(rotated.text).not.toContain('corp-secret');
    const after = (await internal(cp, 'GET', `/apps/${appId}/config`)).body.auth;
    expect(after.providers[1].clientSecret).toBe('corp-secret-4567');

    const dup = await browser.post(`/api/apps/${appId}/auth/providers`, {
      id: 'github',
      kind: 'github',
      clientId: 'x',
      clientSecret: 'y',
    });
    expect([dup.status, dup.body.error.code]).toEqual([409, 'auth_provider_exists']);
    for (let i = 2; i < 10; i++) {
      const more = await browser.post(`/api/apps/${appId}/auth/providers`, {
        id: `p${i}`,
        kind: 'google',
        clientId: 'x',
        clientSecret: 'y',
      });
      expect(more.status).toBe(201);
    }
    const eleventh = await browser.post(`/api/apps/${appId}/auth/providers`, {
      id: 'p10',
      kind: 'google',
      clientId: 'x',
      clientSecret: 'y',
    });
    expect([eleventh.status, eleventh.body.error.code, eleventh.body.error.limit]).toEqual([
      409,
      'auth_provider_limit',
      10,
    ]);
    expect((await browser.delete(`/api/apps/${appId}/auth/providers/p9`)).status).toBe(204);
    expect((await browser.delete(`/api/apps/${appId}/auth/providers/p9`)).body.error.code).toBe('not_found');
  });

  it('refuses bad providers with invalid_request', async () => {
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ id: 'x', kind: 'oidc', clientId: 'a', clientSecret: 'b' }, 'issuer'],
      [{ id: 'x', kind: 'google', issuer: 'https://a.example', clientId: 'a', clientSecret: 'b' }, 'issuer'],
      [{ id: 'Bad Id', kind: 'github', clientId: 'a', clientSecret: 'b' }, 'id'],
      [{ id: 'x', kind: 'saml', clientId: 'a', clientSecret: 'b' }, 'kind'],
      [{ id: 'x', kind: 'github', clientId: 'a', clientSecret: 'b'.repeat(513) }, 'clientSecret'],
      [{ id: 'x', kind: 'github', clientId: 'a' }, 'clientSecret'],
      [{ id: 'x', kind: 'oidc', issuer: 'ftp://a', clientId: 'a', clientSecret: 'b' }, 'issuer'],
      [{ id: 'x', kind: 'github', clientId: 'a', clientSecret: 'b', scopes: ['has space'] }, 'scopes'],
    ];
    for (const [body, field] of bad) {
      const reply = await browser.post(`/api/apps/${appId}/auth/providers`, body);
      expect([reply.status, reply.body.error.code], JSON.stringify(body)).toEqual([400, 'invalid_request']);
      expect(reply.body.error.field, JSON.stringify(body)).toContain(field);
    }
    const presetIssuer = await browser.patch(`/api/apps/${appId}/auth/providers/p2`, {
      issuer: 'https://a.example',
    });
    expect(presetIssuer.body.error.code).toBe('invalid_request');
  });

  it("another account's app is not found, and a request without a session is refused", async () => {
    const other = new BrowserClient(cp.url);
    await other.signup();
    expect((await other.get(`/api/apps/${appId}/auth`)).body.error.code).toBe('not_found');
    expect((await other.patch(`/api/apps/${appId}/auth`, { enabled: false })).body.error.code).toBe(
      'not_found',
    );
    const anonymous = await new BrowserClient(cp.url).get(`/api/apps/${appId}/auth`);
    expect(anonymous.status).toBe(401);
  });

  it('without AUTH_DATABASE_URL the users routes say what is missing', async () => {
    const list = await browser.get(`/api/apps/${appId}/auth/users`);
    expect([list.status, list.body.error.code]).toEqual([404, 'not_found']);
    expect(list.body.error.message).toContain('AUTH_DATABASE_URL');
  });

  it('no log line holds a client secret', () => {
    for (const line of cp.logs) {
      expect(line).not.toContain(CLIENT_SECRET);
      expect(line).not.toContain('corp-secret');
    }
  });
});

async function queryRows(text: string, values: unknown[]): Promise<Array<Record<string, unknown>>> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows;
  } finally {
    await client.end();
  }
}
