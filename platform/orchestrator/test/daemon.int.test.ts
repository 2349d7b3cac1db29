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
import type { StackStatus } from '../src/engine.js';
import { GatewayTestEngine } from './daemon-gateway-engine.js';
import { eventually, openSse, rawRequest } from './daemon-test-client.js';

describe('local daemon over a real engine', () => {
  const engine = new GatewayTestEngine();
  let daemon: RunningDaemon;
  let auth: Record<string, string>;
  let origin: string;

  beforeAll(async () => {
    const result = await engine.up();
    origin = result.status.endpoints.origin;
    daemon = await startDaemon({
      engine,
      credentials: { adminToken: result.adminToken, devApiKey: result.devApiKey },
    });
    auth = { authorization: `Bearer ${daemon.secret}` };
  });

  afterAll(async () => {
    await daemon?.close();
    await engine.down();
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

  it('answers CORS for the console origins only', async () => {
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

    for (const allowed of ['http://localhost:9000', origin, origin.replace('localhost', '127.0.0.1')]) {
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
    expect(status.services.find((s) => s.name === 'gateway-1')?.state).toBe('healthy');
    const conn = await api('/api/stack/connection');
    expect(conn.body).toMatchObject({
      origin,
      console: `${origin}/console/`,
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
    expect((await api('/api/nothing')).status).toBe(404);
    expect((await api('/api/stack', { method: 'POST' })).status).toBe(405);
  });

  it('stops and starts a service, streaming events and logs while it does', async () => {
    const events = await openSse(`${daemon.url}/api/events`, auth);
    expect(events.status).toBe(200);
    expect(events.contentType).toContain('text/event-stream');
    const logs = await openSse(`${daemon.url}/api/services/gateway-1/logs?tail=5&follow=1`, auth);
    expect(logs.status).toBe(200);

    const stopped = await api('/api/services/gateway-1/stop', { method: 'POST' });
    expect(stopped.status).toBe(200);
    expect((stopped.body as StackStatus).services[0]?.state).toBe('stopped');
    await expect(fetch(`${origin}/v1/health`)).rejects.toThrow();
    const started = await api('/api/services/gateway-1/start', { method: 'POST' });
    expect((started.body as StackStatus).services[0]?.state).toBe('healthy');

    const states = () => events.events.map((e) => (e as { status?: { state: string } }).status?.state);
    await events.waitFor(
      () => states().includes('stopped') && states().includes('healthy'),
      'service events',
    );
    expect(events.events.every((e) => (e as { type: string }).type !== 'log')).toBe(true);
    const lines = () => logs.events.map((e) => (e as { line: string }).line);
    await logs.waitFor(() => lines().includes('gateway-1 is stopped'), 'followed log line');
    expect(logs.events[0]).toMatchObject({ service: 'gateway-1', stream: 'stdout' });

    const listening = engine.listenerCount;
    expect(listening).toBeGreaterThanOrEqual(2);
    events.close();
    logs.close();
    await eventually(() => engine.listenerCount === listening - 2, 'engine listeners released on disconnect');
  });

  it('returns the log tail as JSON without follow', async () => {
    const res = await api('/api/services/gateway-1/logs?tail=3');
    const items = (res.body as { items: Array<{ service: string; line: string }> }).items;
    expect(items.length).toBeGreaterThan(0);
    expect(items.length).toBeLessThanOrEqual(3);
    expect(items[0]?.service).toBe('gateway-1');
    expect((await api('/api/services/gateway-1/logs?tail=abc')).status).toBe(400);
  });
});

describe('ensureDaemon and .relaybox/daemon.json', () => {
  it('announces the daemon with a 0600 file that findDaemon uses and close removes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rb-daemon-file-'));
    const engine = new GatewayTestEngine();
    const result = await engine.up();
    try {
      const daemon = await ensureDaemon(engine, { dir, credentials: result });
      const mode = (await stat(daemonFilePath(dir))).mode & 0o777;
      expect(mode).toBe(0o600);
      const found = await findDaemon(dir);
      expect(found?.daemon).toMatchObject({ url: daemon.url, secret: daemon.secret, pid: process.pid });
      expect(found?.connection.adminToken).toBe('test-admin-token');
      await daemon.close();
      await expect(stat(daemonFilePath(dir))).rejects.toThrow();
      expect(await findDaemon(dir)).toBeUndefined();
    } finally {
      await engine.down();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
