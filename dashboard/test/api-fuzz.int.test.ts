import { fuzzSeed, httpAnswerProblem, type RawHttpRequest } from '@relaybox/core/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlPlaneRequest, type Fixtures, parseRouteTree, type Route } from './api-fuzz-arbitraries.js';
import {
  BrowserClient,
  createTestDatabase,
  type RunningControlPlane,
  startControlPlane,
} from './api-harness.js';

// Property-based fuzzing of every control-plane route (fresh PostgreSQL database): generated path
// parameters, query strings, bodies and credentials never get a 5xx, and every 4xx is
// `{error:{code,message}}`. The seed is printed; FUZZ_SEED=<seed> replays a run.
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let cp: RunningControlPlane;
let routes: Route[];
let fixtures: Fixtures;

/** A signed-in user with an app, a key and a webhook endpoint: the valid ids of path parameters. */
async function freshFixtures(): Promise<Fixtures> {
  const browser = new BrowserClient(cp.url);
  await browser.signup();
  const app = await browser.post('/api/apps', { name: 'fuzzed' });
  const key = await browser.post(`/api/apps/${app.body.id}/keys`, {
    name: 'k',
    permissions: { '*': ['publish'] },
  });
  const hook = await browser.post(`/api/apps/${app.body.id}/webhooks`, {
    url: 'https://hooks.example.com/in',
    events: ['message.published'],
  });
  return {
    appId: app.body.id,
    keyId: key.body.id ?? key.body.key?.id ?? 'k',
    webhookId: hook.body.id ?? 'w',
    cookie: browser.cookie!,
    csrf: browser.csrfToken!,
    serviceToken: cp.serviceToken,
  };
}

beforeAll(async () => {
  db = await createTestDatabase();
  cp = await startControlPlane({ DATABASE_URL: db.url });
  routes = parseRouteTree(cp.controlPlane.app.printRoutes({ commonPrefix: false }));
  fixtures = await freshFixtures();
}, 60_000);
afterAll(async () => {
  await cp?.close();
  await db?.drop();
});

/** A delete, revoke or rotate of a fixture's own id, or a logout with its session. */
function mayHaveDestroyed(request: RawHttpRequest): boolean {
  const { appId, keyId, webhookId, cookie } = fixtures;
  if (/\/logout/.test(request.path)) return request.headers.cookie === `rb_session=${cookie}`;
  if (request.method === 'DELETE') return request.path.includes(appId) || request.path.includes(webhookId);
  return /revoke|rotate/.test(request.path) && request.path.includes(keyId);
}

/** Runs the property; after a request that may have destroyed a fixture (a delete, a logout, a revoke), makes new ones. */
async function fuzz(name: string, nul: boolean, numRuns: number): Promise<number> {
  let requests = 0;
  await fc.assert(
    fc.asyncProperty(
      controlPlaneRequest(routes, () => fixtures, nul),
      async (request: RawHttpRequest) => {
        requests++;
        const problem = await httpAnswerProblem(cp.url, request);
        if (problem) throw new Error(problem);
        if (mayHaveDestroyed(request)) fixtures = await freshFixtures();
      },
    ),
    { seed: fuzzSeed(name), numRuns, endOnFailure: true },
  );
  return requests;
}

describe('fuzz: every control-plane route', () => {
  it('finds the routes to fuzz (the API and the internal API)', () => {
    const paths = routes.map((r) => r.path);
    expect(paths).toEqual(
      expect.arrayContaining(['/api/apps/:appId', '/api/auth/login', '/internal/v1/usage']),
    );
    expect(routes.length).toBeGreaterThanOrEqual(15);
  });

  it('a malformed URL gets {error:{code,message}}; HEAD on the key event stream answers instead of hanging', async () => {
    const requests: RawHttpRequest[] = [
      { method: 'GET', path: '/api/apps/%7-', headers: {}, body: undefined },
      {
        method: 'HEAD',
        path: '/internal/v1/keys/events',
        headers: { authorization: `Bearer ${cp.serviceToken}` },
        body: undefined,
      },
    ];
    for (const request of requests) {
      expect(await httpAnswerProblem(cp.url, request, 5000)).toBeUndefined();
    }
  });

  it('generated input (no NUL bytes) never gets a 5xx; every 4xx is {error:{code,message}}', {
    timeout: 90_000,
  }, async () => {
    const requests = await fuzz('control plane', false, 600);
    console.log(`control plane: ${requests} requests over ${routes.length} routes`);
  });

  // Strict on purpose: PostgreSQL refuses NUL in text, and six fields answer 500 today (issue 11,
  // item 8); this passes once the control-plane hardening branch lands.
  it('strings with NUL bytes never get a 5xx either', { timeout: 90_000 }, async () => {
    const requests = await fuzz('control plane with NUL', true, 200);
    console.log(`control plane with NUL: ${requests} requests`);
  });
});
