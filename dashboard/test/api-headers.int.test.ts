import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type RunningControlPlane, startControlPlane } from './api-harness.js';
import { ensureWebBuild } from './web-harness.js';

// Every control-plane response carries the security headers; the dashboard's pages a strict CSP
// (no inline script or style, no framing). web.int.test.ts shows the built app runs under it.
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let cp: RunningControlPlane;

beforeAll(async () => {
  db = await createTestDatabase();
  cp = await startControlPlane({ DATABASE_URL: db.url, LOG_LEVEL: 'warn', WEB_DIST: ensureWebBuild() });
}, 120_000);

afterAll(async () => {
  await cp?.close();
  await db?.drop();
});

function expectSecurityHeaders(headers: Headers, what: string): void {
  expect(headers.get('x-content-type-options'), what).toBe('nosniff');
  expect(headers.get('x-frame-options'), what).toBe('DENY');
  expect(headers.get('referrer-policy'), what).toBe('no-referrer');
  const csp = headers.get('content-security-policy') ?? '';
  expect(csp, what).toContain("default-src 'self'");
  expect(csp, what).toContain("script-src 'self'");
  expect(csp, what).toContain("frame-ancestors 'none'");
  expect(csp, what).toContain("object-src 'none'");
  expect(csp, what).toContain("base-uri 'none'");
  expect(csp, what).not.toContain('unsafe-inline');
  expect(csp, what).not.toContain('unsafe-eval');
}

describe('security headers', () => {
  it('are on the SPA page, its fallback, its assets and the API', async () => {
    const index = await fetch(`${cp.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toContain('text/html');
    const html = await index.text();
    expectSecurityHeaders(index.headers, '/');
    const fallback = await fetch(`${cp.url}/apps/some-app`);
    expect(fallback.status).toBe(200);
    await fallback.text();
    expectSecurityHeaders(fallback.headers, 'SPA fallback');
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${cp.url}${script}`);
    expect(asset.status).toBe(200);
    await asset.arrayBuffer();
    expectSecurityHeaders(asset.headers, script ?? 'asset');
    const api = await fetch(`${cp.url}/api/auth/me`);
    expect(api.status).toBe(401);
    await api.text();
    expectSecurityHeaders(api.headers, '/api');
    const missing = await fetch(`${cp.url}/api/nothing`);
    await missing.text();
    expectSecurityHeaders(missing.headers, '404');
  });
});
