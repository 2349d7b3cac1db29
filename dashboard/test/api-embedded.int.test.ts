import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BrowserClient, internal } from './api-harness.js';

const dashboardDir = fileURLToPath(new URL('..', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'cp-embedded-'));
const children = new Set<ChildProcess>();

/** Runs `pnpm --filter dashboard start`'s command with no DATABASE_URL; resolves to its URL. */
function startMain(): Promise<{ url: string; child: ChildProcess }> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATA_DIR: dataDir,
    PORT: '0',
    ARGON2_MEMORY_KIB: '1024',
    ARGON2_TIME_COST: '1',
    LOG_LEVEL: 'warn',
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'api/src/main.ts'], { cwd: dashboardDir, env });
  children.add(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL within 60 s: ${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/[^\s]+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      resolve({ url: match[1] as string, child });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}: ${output}`));
    });
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  children.delete(child);
}

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('embedded control plane (PGlite, no DATABASE_URL)', () => {
  it('runs migrations, signs up, persists across restarts, generates dev secrets 0600', async () => {
    const first = await startMain();
    const browser = new BrowserClient(first.url);
    await browser.signup('embedded@example.com', 'embedded password');
    const app = await browser.post('/api/apps', { name: 'local' });
    expect(app.status).toBe(201);
    const key = await browser.post(`/api/apps/${app.body.id}/keys`, {
      name: 'k',
      permissions: { '*': ['publish'] },
    });
    expect(key.status).toBe(201);
    await stop(first.child);

    for (const file of ['master.key', 'service-token']) {
      expect(statSync(join(dataDir, file)).mode & 0o777, file).toBe(0o600);
    }
    expect(existsSync(join(dataDir, 'pgdata'))).toBe(true);

    const second = await startMain();
    const again = new BrowserClient(second.url);
    const login = await again.post('/api/auth/login', {
      email: 'embedded@example.com',
      password: 'embedded password',
    });
    expect(login.status).toBe(200);
    expect((await again.get('/api/apps')).body.items.map((a: { id: string }) => a.id)).toEqual([app.body.id]);
    // The same generated master key decrypts the secret written by the first run.
    const serviceToken = readFileSync(join(dataDir, 'service-token'), 'utf8').trim();
    const cp = { url: second.url, serviceToken } as Parameters<typeof internal>[0];
    const lookup = await internal(cp, 'GET', `/keys/${app.body.id}/${key.body.key.id}`);
    expect(lookup.body.secret).toBe(key.body.apiKey.split(':')[1]);
    // Updates and deletes report their row counts on PGlite too.
    const revoked = await again.post(`/api/apps/${app.body.id}/keys/${key.body.key.id}/revoke`);
    expect(revoked.body.revokedAt).not.toBeNull();
    const hook = await again.post(`/api/apps/${app.body.id}/webhooks`, {
      url: 'https://example.com/h',
      events: ['room.left'],
    });
    expect((await again.delete(`/api/apps/${app.body.id}/webhooks/${hook.body.webhook.id}`)).status).toBe(
      204,
    );
    expect((await again.delete(`/api/apps/${app.body.id}`)).status).toBe(204);
    expect((await again.delete(`/api/apps/${app.body.id}`)).status).toBe(404);
    await stop(second.child);
  }, 150_000);
});
