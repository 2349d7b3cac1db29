import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../src/start-gateway.js';
import { ALPHA_FULL, refusedUpgrade, sleep, startTestGateway, TestClient, wsUrl } from './harness.js';
import { newSigningKey, OidcIssuer, RESOURCES, type SigningKey } from './oidc-issuer.js';
import { mintToken } from './tokens.js';

const COOLDOWN_SEC = 2;
/** What the provider puts in its tokens: more than the app's policy allows on `news:*`. */
const CLAIMS = {
  permissions: { 'chat:*': ['subscribe', 'publish', 'presence'], 'news:*': ['subscribe', 'publish'] },
  name: 'Backend Bot',
};

let issuer: OidcIssuer;
let firstKey: SigningKey;
let gw: RunningGateway;
let url: string;

function appsFile(issuerUrl: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'rb-idp-')), 'apps.json');
  const provider = {
    id: 'oidc',
    issuer: issuerUrl,
    audience: RESOURCES.relay.audience,
    algorithms: ['RS256', 'ES256'],
    permissions: { 'chat:*': ['subscribe', 'publish', 'presence'], 'news:*': ['subscribe'] },
    claims: { permissions: 'permissions', name: 'name' },
    jwksRefreshCooldownSec: COOLDOWN_SEC,
  };
  const app = {
    id: 'alpha',
    keys: [{ id: 'full', secret: ALPHA_FULL.secret }],
    identityProviders: [provider],
  };
  writeFileSync(file, JSON.stringify({ apps: [app] }));
  return file;
}

/** A token signed with `key` as the provider would, with claims overridden (iss, aud, exp...). */
async function signAs(key: SigningKey, claims: Record<string, unknown>, expiresIn = 300): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sub: 'relay-backend', iss: issuer.issuer, aud: RESOURCES.relay.audience, ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'at+jwt' })
    .setIssuedAt(now)
    .setExpirationTime(now + expiresIn)
    .sign(key.privateKey);
}

async function codeOf(token: string): Promise<string> {
  const refused = await refusedUpgrade(url, { token });
  expect(refused.status).toBeLessThan(500);
  return refused.body.error.code;
}

beforeAll(async () => {
  firstKey = await newSigningKey('first');
  issuer = await OidcIssuer.start(firstKey, CLAIMS);
  gw = await startTestGateway({ env: { RELAYBOX_CONFIG: appsFile(issuer.issuer) } });
  url = wsUrl(gw);
});
afterAll(async () => {
  await gw.shutdown();
  await issuer.close();
});

describe('external identity provider (oidc-provider)', () => {
  it('a JWT access token from the provider connects, joins and publishes within the app policy', async () => {
    const token = await issuer.token(RESOURCES.relay.resource);
    const client = await TestClient.connect(url, { token });
    expect(client.connected.clientId).toBe('relay-backend');
    await client.joinAndSubscribe('chat:1');
    await client.ok({ type: 'publish', room: 'chat:1', event: 'hello', data: { n: 1 } });
    await client.waitForMessages('chat:1', 1);
    // The token claims publish on news:*; the app's policy for IdP users narrows it to subscribe.
    await client.joinAndSubscribe('news:1');
    const publish = await client.request({ type: 'publish', room: 'news:1', event: 'e', data: 1 });
    expect(publish).toMatchObject({ type: 'error', error: { code: 'permission_denied' } });
    // In-band refresh with a newer provider token; a token for another client is refused.
    const refreshed = await client.ok({
      type: 'refresh',
      token: await issuer.token(RESOURCES.relay.resource),
    });
    expect(refreshed.result).toMatchObject({ expiresAt: expect.any(Number) });
    const other = await client.request({
      type: 'refresh',
      token: await mintToken({ ...ALPHA_FULL, clientId: 'x' }),
    });
    expect(other).toMatchObject({ type: 'error', error: { code: 'token_client_mismatch' } });
    await client.close();
  });

  it('HS256 tokens signed with the app key secret keep working', async () => {
    const client = await TestClient.connect(url, {
      token: await mintToken({ ...ALPHA_FULL, clientId: 'hs' }),
    });
    expect(client.connected.clientId).toBe('hs');
    await client.close();
  });

  it('refuses a token for another audience, from another issuer, expired or living too long', async () => {
    expect(await codeOf(await issuer.token(RESOURCES.other.resource))).toBe('token_claims_invalid');
    expect(await codeOf(await issuer.token(RESOURCES.long.resource))).toBe('token_lifetime_too_long');
    expect(await codeOf(await signAs(firstKey, { iss: 'http://127.0.0.1:1/evil' }))).toBe(
      'token_claims_invalid',
    );
    expect(await codeOf(await signAs(firstKey, {}, -120))).toBe('token_expired');
  });

  it('refuses alg confusion: HS256 signed with the JWKS public key, and alg none', async () => {
    const jwks = (await (await fetch(`${issuer.issuer}/jwks`)).json()) as { keys: JWK[] };
    const publicJwk = jwks.keys.find((k) => k.kid === firstKey.kid) as JWK;
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: 'mallory', iss: issuer.issuer, aud: RESOURCES.relay.audience, exp: now + 60 };
    for (const secret of [JSON.stringify(publicJwk), publicJwk.n as string]) {
      const forged = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', kid: firstKey.kid })
        .sign(new TextEncoder().encode(secret));
      expect(await codeOf(forged)).toBe('token_algorithm_unsupported');
    }
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    expect(await codeOf(`${enc({ alg: 'none', kid: firstKey.kid })}.${enc(claims)}.`)).toBe(
      'token_algorithm_unsupported',
    );
  });

  it('an unknown kid is refused after one rate-limited refresh of the JWKS', async () => {
    const ghost = await newSigningKey('ghost');
    await sleep(COOLDOWN_SEC * 1000 + 100); // past the refresh cooldown, so the next unknown kid refreshes
    const before = issuer.jwksFetches;
    expect(await codeOf(await signAs(ghost, {}))).toBe('key_unknown');
    expect(issuer.jwksFetches).toBe(before + 1);
    // More unknown kids reach the provider at most once per cooldown (a loaded machine may be slow).
    const start = Date.now();
    for (let i = 0; i < 10; i++) expect(await codeOf(await signAs(ghost, {}))).toBe('key_unknown');
    const cooldowns = Math.floor((Date.now() - start) / (COOLDOWN_SEC * 1000));
    expect(issuer.jwksFetches).toBeLessThanOrEqual(before + 1 + cooldowns);
  });

  it('picks up key rotation at the provider (new kid) without a restart', async () => {
    const second = await newSigningKey('second');
    issuer.use(second, CLAIMS);
    const token = await issuer.token(RESOURCES.relay.resource);
    expect(token.length).toBeGreaterThan(0);
    // Until the cooldown since the last fetch has passed, the new kid is refused; then it connects.
    const deadline = Date.now() + 15_000;
    let client: TestClient | undefined;
    while (!client && Date.now() < deadline) {
      client = await TestClient.connect(url, { token }).catch(async () => {
        await sleep(200);
        return undefined;
      });
    }
    expect(client?.connected.clientId).toBe('relay-backend');
    await client?.joinAndSubscribe('chat:rotated');
    await client?.ok({ type: 'publish', room: 'chat:rotated', event: 'e', data: 1 });
    await client?.close();
    // Tokens of the retired key are refused once the provider no longer serves it.
    expect(await codeOf(await signAs(firstKey, {}))).toBe('key_unknown');
  });
});
