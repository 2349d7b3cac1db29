import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type RunningControlPlane, startControlPlane } from './api-harness.js';

// The control plane's probes (/health liveness, /ready readiness) and `main.ts migrate`, the
// entry point of the Kubernetes migration Job, on a real PostgreSQL database.
const dashboardDir = fileURLToPath(new URL('..', import.meta.url));
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

async function started(env: Record<string, string>): Promise<RunningControlPlane> {
  const cp = await startControlPlane({ LOG_LEVEL: 'warn', ...env });
  cleanups.push(() => cp.close());
  return cp;
}

async function get(url: string): Promise<{ status: number; type: string; body: unknown }> {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.json() };
}

/** `node api/src/main.ts migrate` as its own process, as the migration Job runs it. */
function runMigrate(databaseUrl: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'api/src/main.ts', 'migrate'], {
    cwd: dashboardDir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' },
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => {
    output += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    output += c.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}

describe('control-plane probes', () => {
  it('/health and /ready answer JSON even where the web app serves its HTML for unknown paths', async () => {
    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    const web = mkdtempSync(join(tmpdir(), 'cp-web-'));
    cleanups.push(async () => rmSync(web, { recursive: true, force: true }));
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>dashboard</title>');
    const cp = await started({ DATABASE_URL: db.url, WEB_DIST: web });
    expect(await get(`${cp.url}/health`)).toMatchObject({
      status: 200,
      type: expect.stringContaining('application/json'),
      body: { status: 'alive' },
    });
    expect(await get(`${cp.url}/ready`)).toMatchObject({ status: 200, body: { status: 'ready' } });
    // The SPA fallback still serves the app for other paths.
    expect(await (await fetch(`${cp.url}/apps/x`)).text()).toContain('<title>dashboard</title>');
  });

  it('with MIGRATE_ON_START=0 it is unready until `main.ts migrate` has applied the schema', async () => {
    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    const cp = await started({ DATABASE_URL: db.url, MIGRATE_ON_START: '0' });
    const before = await get(`${cp.url}/ready`);
    expect(before.status).toBe(503);
    expect(before.body).toMatchObject({ status: 'unready', reason: expect.stringContaining('0001_init') });
    expect((await get(`${cp.url}/health`)).status).toBe(200);

    const first = await runMigrate(db.url);
    expect(first).toMatchObject({
      code: 0,
      output: expect.stringContaining('applied migrations: 0001_init'),
    });
    expect(await get(`${cp.url}/ready`)).toMatchObject({ status: 200, body: { status: 'ready' } });
    const again = await runMigrate(db.url);
    expect(again).toMatchObject({ code: 0, output: expect.stringContaining('up to date') });
  });

  it('turns unready when its database goes away, and stays live', async () => {
    const db = await createTestDatabase();
    const cp = await started({ DATABASE_URL: db.url });
    expect((await get(`${cp.url}/ready`)).status).toBe(200);
    await db.drop();
    const ready = await get(`${cp.url}/ready`);
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ reason: expect.stringMatching(/^database (unavailable|timeout)/) });
    expect((await get(`${cp.url}/health`)).status).toBe(200);
  });
});
