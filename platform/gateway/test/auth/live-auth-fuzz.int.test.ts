import { encodeLoosely, fuzzSeed, httpAnswerProblem, type RawHttpRequest } from '@relaybox/core/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  API_KEY,
  AUTH_APP,
  type AuthCluster,
  signUp,
  startAuthCluster,
  uniqueEmail,
} from './live-auth-cluster.js';

let cluster: AuthCluster;
let tokens: { access: string; refresh: string };
beforeAll(async () => {
  cluster = await startAuthCluster(1);
  const { session } = (await signUp(cluster.gateways[0]!, uniqueEmail(), 'fuzz password 1234')).body;
  tokens = { access: session.accessToken, refresh: session.refreshToken };
}, 90_000);
afterAll(() => cluster?.stop());

const text = fc.oneof(
  fc.constantFrom('', '%', '%00', '..', '$auth', 'x'.repeat(300), '\u0000', '\ud800'),
  fc.string({ unit: 'binary', maxLength: 30 }),
);

function authRequest(): fc.Arbitrary<RawHttpRequest> {
  const app = fc.oneof(fc.constant(AUTH_APP), fc.constant('beta'), text.map(encodeLoosely));
  const tail = fc.oneof(
    fc.constantFrom(
      'signup',
      'signin',
      'signin/mfa',
      'signin/mfa-enroll',
      'signin/mfa-activate',
      'mfa/totp/enroll',
      'mfa/totp/activate',
      'mfa/totp/disable',
      'verify-email/request',
      'verify-email',
      'password-reset/request',
      'password-reset',
      'admin/dev-mailbox',
      'oauth/corp/start',
      'oauth/corp/callback',
      'refresh',
      'signout',
      'signout-everywhere',
      'user',
      'admin/users',
      'nope',
      // `@` marks the admin-token twins under /v1/admin/auth (the app goes in the query).
      '@apps',
      '@users',
      '@dev-mailbox',
    ),
    text.map((t) => `@users/${encodeLoosely(t)}`),
    text.map((t) => `@users/${encodeLoosely(t)}/revoke`),
    text.map((t) => `@sessions/${encodeLoosely(t)}/revoke`),
    text.map((t) => `admin/users/${encodeLoosely(t)}`),
    text.map((t) => `admin/users/${encodeLoosely(t)}/revoke`),
    text.map((t) => `admin/sessions/${encodeLoosely(t)}/revoke`),
  );
  const body = fc.oneof(
    fc.constant(undefined),
    fc
      .record(
        {
          email: fc.oneof(fc.constant('fuzz@example.com'), text),
          password: fc.oneof(fc.constant('fuzz password 1234'), text),
          refreshToken: fc.oneof(fc.constant('rt1.x.0.y'), text),
          token: fc.oneof(fc.constant('A'.repeat(60)), text),
          mfaToken: text,
          enrollToken: text,
          appId: fc.oneof(fc.constant(AUTH_APP), text),
          code: fc.oneof(fc.constant('123456'), text),
          recoveryCode: text,
          redirectUri: fc.oneof(fc.constant('https://alpha.example/cb'), text),
          flowToken: text,
          params: fc.oneof(fc.constant('code=x&state=y'), text),
          displayName: fc.oneof(text, fc.constant(null)),
          avatarUrl: fc.oneof(fc.constant('https://a.example/x.png'), text),
          disabled: fc.oneof(fc.boolean(), text),
          permissions: fc.jsonValue({ maxDepth: 3 }),
        },
        { requiredKeys: [] },
      )
      .map((b) => Buffer.from(JSON.stringify(b))),
    fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
    fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
    fc.integer({ min: 17 * 1024, max: 64 * 1024 }).map((n) => Buffer.from(`{"email":"${'x'.repeat(n)}"}`)),
  );
  const auth = fc.oneof(
    fc.constant(''),
    fc.constant(`Bearer ${API_KEY}`),
    fc.constant(`Bearer ${ADMIN_TOKEN}`),
    fc.constant('Bearer ACCESS'),
    fc.constant('Bearer REFRESH'),
    text.map((t) => `Bearer ${t.replace(/[^\x21-\x7e]/g, '')}`),
  );
  return fc
    .record({
      method: fc.constantFrom('GET', 'POST', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS', 'HEAD'),
      app,
      tail,
      query: fc.option(fc.constantFrom('limit=1', 'limit=0', 'limit=x', 'cursor=%00', 'cursor=99999'), {
        nil: undefined,
      }),
      auth,
      body,
    })
    .map(({ method, app: a, tail: t, query, auth: credentials, body: b }) => {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      const resolved = credentials.replace('ACCESS', tokens.access).replace('REFRESH', tokens.refresh);
      if (resolved) headers.authorization = resolved;
      const path = t.startsWith('@')
        ? `/v1/admin/auth/${t.slice(1)}?appId=${a}${query ? `&${query}` : ''}`
        : `/v1/auth/${a}/${t}${query ? `?${query}` : ''}`;
      return { method, path, headers, body: method === 'GET' || method === 'HEAD' ? undefined : b };
    });
}

describe('auth routes under generated requests', () => {
  it('never answer 5xx; every 4xx is {error:{code,message}} with a code of the shared enum', async () => {
    let requests = 0;
    await fc.assert(
      fc.asyncProperty(authRequest(), async (request) => {
        requests++;
        const problem = await httpAnswerProblem(cluster.gateways[0]!.url, request);
        if (problem) throw new Error(problem);
      }),
      { seed: fuzzSeed('auth routes'), numRuns: 600, endOnFailure: true },
    );
    console.log(`auth routes: ${requests} requests`);
    expect((await fetch(`${cluster.gateways[0]!.url}/v1/health`)).status).toBe(200);
  }, 120_000);
});
