import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  daemonFilePath,
  ensureDaemon,
  findDaemon,
  type RunningDaemon,
  startDaemon,
} from '../src/daemon/index.js';
import { EmbeddedEngine } from '../src/embedded/embedded-engine.js';
import type { StackStatus } from '../src/engine.js';
import { countSubscriptions } from './daemon-counting-engine.js';
import { eventually, openSse, rawRequest } from './daemon-test-client.js';

/** A real embedded stack on a random port with its dev key in a temp dir. */
async function startEmbedded() {
  const dataDir = await mkdtemp(join(tmpdir(), 'rb-daemon-'));
  const counted = countSubscriptions(new EmbeddedEngine({ dataDir, env: { RELAYBOX_LOG_LEVEL: 'info' } }));
  const result = await counted.engine.up({ port: 0, adminToken: 'test-admin-token' });
  const stop = async () => {
    await counted.engine.down();
    await rm(dataDir, { recursive: true, force: true });
  };
  return { ...counted, result, stop };
}

describe('local daemon over the embedded engine', () => {
  let stack: Awaited<ReturnType<typeof startEmbedded>>;
  let daemon: RunningDaemon;
  let auth: Record<string, string>;
  let origin: string;

  beforeAll(async () => {
    stack = await startEmbedded();
    const { engine, result } = stack;
    origin = result.status.endpoints.origin;
    daemon = await startDaemon({
      engine,
      credentials: { adminToken: result.adminToken, devApiKey: result.devApiKey },
    });
    auth = { authorization: `Bearer ${daemon.secret}` };
  });

  afterAll(async () => {
    await daemon?.close();
    await stack?.stop();
  });

  const api = (path: string, init: Parameters<typeof rawRequest>[1] = {}) =>
    rawRequest(`${daemon.url}${path}`, { ...init, headers: { ...auth, ...init.headers } });

  it('binds 127.0.0.1 with a 32-byte base64url secret', () => {
    expect(daemon.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(Buffer.from(daemon.secret, 'base64url')).toHaveLength(32);
  });

  it('refuses requests without the secret or with a wrong one (401)', async () => {
    const none = await rawRequest(`${daemon.url}/api/stack`);
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ error: { code: 'unauthorized' } });
    const wrong = await api('/api/stack', { headers: { authorization: `Bearer ${'x'.repeat(43)}` } });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ error: { code: 'invalid_credentials' } });
    const short = await api('/api/stack', { headers: { authorization: 'Bearer abc' } });
    expect(short.status).toBe(401);
  });

  it('refuses a foreign Host header even with the secret (DNS rebinding, 403)', async () => {
    const res = await api('/api/stack', { headers: { host: `evil.example:${daemon.port}` } });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: { code: 'permission_denied' } });
    const ok = await api('/api/stack', { headers: { host: `localhost:${daemon.port}` } });
    expect(ok.status).toBe(200);
  });

  it("answers CORS for the stack's own origin only (not a default port the stack does not use)", async () => {
    const preflight = (from: string) =>
      rawRequest(`${daemon.url}/api/stack`, {
        method: 'OPTIONS',
        headers: { origin: from, 'access-control-request-method': 'GET' },
      });
    const foreign = await preflight('http://evil.example');
    expect(foreign.status).toBe(403);
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
    const foreignGet = await api('/api/stack', { headers: { origin: 'http://evil.example' } });
    expect(foreignGet.status).toBe(403);
    expect(foreignGet.headers['access-control-allow-origin']).toBeUndefined();

    // The stack runs on a random port: the default origin (port 9000) is someone else's.
    expect(new URL(origin).port).not.toBe('9000');
    for (const other of ['http://localhost:9000', 'http://127.0.0.1:9000']) {
      const res = await preflight(other);
      expect(res.status, other).toBe(403);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
    for (const allowed of [origin, origin.replace('localhost', '127.0.0.1')]) {
      const res = await preflight(allowed);
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe(allowed);
      expect(res.headers['access-control-allow-headers']).toContain('authorization');
    }
    const get = await api('/api/stack', { headers: { origin } });
    expect(get.status).toBe(200);
    expect(get.headers['access-control-allow-origin']).toBe(origin);
  });

  it('reports the stack status and the connection info', async () => {
    const res = await api('/api/stack');
    expect(res.status).toBe(200);
    const status = res.body as StackStatus;
    expect(status.engine).toBe('embedded');
    expect(status.state).toBe('running');
    expect(status.services.find((s) => s.name === 'gateway')?.state).toBe('healthy');
    const conn = await api('/api/stack/connection');
    expect(conn.body).toMatchObject({
      origin,
      console: expect.stringMatching(/\/console\/?$/),
      adminToken: 'test-admin-token',
      engine: 'embedded',
    });
    expect((conn.body as { devApiKey: string }).devApiKey).toMatch(/\./);
  });

  it('validates input: unknown service 404, replicas 1..16 integers, unknown route 404', async () => {
    const unknown = await api('/api/services/nope/stop', { method: 'POST' });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: { code: 'service_not_found' } });
    for (const replicas of [0, 17, 1.5, '2', null]) {
      const res = await api('/api/stack/scale', { method: 'POST', body: { service: 'gateway', replicas } });
      expect(res.status, `replicas ${String(replicas)}`).toBe(400);
      expect(res.body).toMatchObject({ error: { code: 'invalid_argument' } });
    }
    const service = await api('/api/stack/scale', {
      method: 'POST',
      body: { service: 'redis', replicas: 2 },
    });
    expect(service.status).toBe(400);
    expect((await api('/api/services/%E0%A4%A/stop', { method: 'POST' })).status).toBe(400);
    expect((await api('/api/nothing')).status).toBe(404);
    expect((await api('/api/stack', { method: 'POST' })).status).toBe(405);
  });

  it('refuses an action the service does not offer (409 action_not_supported)', async () => {
    for (const [name, action] of [
      ['gateway', 'stop'],
      ['gateway', 'start'],
      ['broker', 'restart'],
    ]) {
      const refused = await api(`/api/services/${name}/${action}`, { method: 'POST' });
      expect(refused.status, `${action} ${name}`).toBe(409);
      expect(refused.body).toMatchObject({ error: { code: 'action_not_supported' } });
    }
    expect((await fetch(`${origin}/v1/health`)).status).toBe(200);
  });

  it('restarts a service, streaming events and logs while it does', async () => {
    const events = await openSse(`${daemon.url}/api/events`, auth);
    expect(events.status).toBe(200);
    expect(events.contentType).toContain('text/event-stream');
    const logs = await openSse(`${daemon.url}/api/services/gateway/logs?tail=5&follow=1`, auth);
    expect(logs.status).toBe(200);

    const stopAt = Date.now();
    const restarted = await api('/api/services/gateway/restart', { method: 'POST' });
    expect(restarted.status).toBe(200);
    const gateway = (restarted.body as StackStatus).services.find((s) => s.name === 'gateway');
    expect(gateway).toMatchObject({ state: 'healthy', actions: ['restart'] });
    expect(gateway!.since).toBeGreaterThanOrEqual(stopAt);
    // The new gateway serves (on a new port: this stack was started with port 0).
    const { origin: restartedOrigin } = (restarted.body as StackStatus).endpoints;
    expect((await fetch(`${restartedOrigin}/v1/health`)).status).toBe(200);

    const states = () => events.events.map((e) => (e as { status?: { state: string } }).status?.state);
    await events.waitFor(
      () => states().includes('stopped') && states().includes('healthy'),
      'service events',
    );
    expect(events.events.every((e) => (e as { type: string }).type !== 'log')).toBe(true);
    // Lines written after the stream opened arrive live: the restarted gateway announces itself.
    const announced = () =>
      logs.events.some((e) => {
        const { line, ts } = e as { line: string; ts: number };
        return ts >= stopAt && line.includes('listening on');
      });
    await logs.waitFor(announced, 'followed log line of the restarted gateway');
    expect(logs.events[0]).toMatchObject({
      service: 'gateway',
      stream: expect.stringMatching(/^std(out|err)$/),
    });

    expect(stack.active()).toBe(2);
    events.close();
    logs.close();
    await eventually(() => stack.active() === 0, 'engine listeners released on disconnect');
  });

  it('returns the log tail as JSON without follow', async () => {
    const res = await api('/api/services/gateway/logs?tail=3');
    const items = (res.body as { items: Array<{ service: string; line: string }> }).items;
    expect(items.length).toBeGreaterThan(0);
    expect(items.length).toBeLessThanOrEqual(3);
    expect(items[0]?.service).toBe('gateway');
    expect((await api('/api/services/gateway/logs?tail=abc')).status).toBe(400);
  });
});

describe('ensureDaemon and <dataDir>/daemon.json', () => {
  it('announces the daemon with a 0600 file that findDaemon uses and close removes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rb-daemon-file-'));
    const stack = await startEmbedded();
    try {
      const daemon = await ensureDaemon(stack.engine, { dataDir: dir, credentials: stack.result });
      const mode = (await stat(daemonFilePath(dir))).mode & 0o777;
      expect(mode).toBe(0o600);
      const found = await findDaemon(dir);
      expect(found?.daemon).toMatchObject({ url: daemon.url, secret: daemon.secret, pid: process.pid });
      expect(found?.connection.adminToken).toBe('test-admin-token');
      await daemon.close();
      await expect(stat(daemonFilePath(dir))).rejects.toThrow();
      expect(await findDaemon(dir)).toBeUndefined();
    } finally {
      await stack.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
