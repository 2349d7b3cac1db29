import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@relaybox/gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileLogger, type RunningDaemon, startDaemon } from '../src/daemon/index.js';
import { EmbeddedEngine } from '../src/embedded/embedded-engine.js';
import { eventually, openSse, rawRequest } from './daemon-test-client.js';

// The daemon logs pino JSON lines in the shared format: one line per request with a request id
// (also sent as `x-request-id`), never the daemon secret, the admin token or the dev key's secret.

interface Line {
  level: string;
  time: string;
  msg: string;
  service: string;
  reqId?: string;
  method?: string;
  path?: string;
  status?: number;
  code?: string;
  [key: string]: unknown;
}

describe('daemon structured logging', () => {
  let dataDir: string;
  let engine: EmbeddedEngine;
  let daemon: RunningDaemon;
  const raw: string[] = [];
  const lines = (): Line[] => raw.map((l) => JSON.parse(l) as Line);
  let devApiKey: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'rb-daemon-log-'));
    engine = new EmbeddedEngine({ dataDir, env: { RELAYBOX_LOG_LEVEL: 'warn' } });
    const result = await engine.up({ port: 0, adminToken: 'test-admin-token-not-to-be-logged' });
    devApiKey = result.devApiKey;
    daemon = await startDaemon({
      engine,
      credentials: { adminToken: result.adminToken, devApiKey: result.devApiKey },
      log: createLogger('info', { service: 'daemon' }, { write: (line) => void raw.push(line) }),
    });
  });

  afterAll(async () => {
    await daemon?.close();
    await engine?.down();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('logs one JSON line per request with its own reqId, method, path, status and duration', async () => {
    const auth = { authorization: `Bearer ${daemon.secret}` };
    const ok = await rawRequest(`${daemon.url}/api/stack/connection?secret=${daemon.secret}`, {
      headers: auth,
    });
    expect(ok.status).toBe(200);
    const refused = await rawRequest(`${daemon.url}/api/stack`, {
      headers: { authorization: 'Bearer wrong-secret-wrong-secret-0000000000000000' },
    });
    expect(refused.status).toBe(401);
    const missing = await rawRequest(`${daemon.url}/api/nothing`, { headers: auth });
    expect(missing.status).toBe(404);
    const stream = await openSse(`${daemon.url}/api/events`, auth);
    await eventually(async () => lines().some((l) => l.msg === 'daemon stream open'), 'the stream line', 100);
    stream.close();
    await eventually(
      async () => lines().filter((l) => l.path === '/api/events').length === 2,
      'the stream end',
      100,
    );

    const parsed = lines();
    for (const line of parsed) {
      expect(line.service).toBe('daemon');
      expect(typeof line.msg).toBe('string');
      expect(new Date(line.time).toISOString()).toBe(line.time);
      expect(['info', 'warn', 'error']).toContain(line.level);
    }
    expect(parsed[0]).toMatchObject({ msg: 'daemon listening', url: daemon.url, engine: 'embedded' });

    const requestLine = (path: string) => parsed.find((l) => l.path === path && l.status !== undefined)!;
    const connection = requestLine('/api/stack/connection');
    expect(connection).toMatchObject({ level: 'info', msg: 'daemon request', method: 'GET', status: 200 });
    expect(connection.reqId).toBe(ok.headers['x-request-id']);
    expect(typeof connection.ms).toBe('number');
    expect(requestLine('/api/stack')).toMatchObject({
      level: 'warn',
      msg: 'daemon request refused',
      status: 401,
      code: 'invalid_credentials',
      reqId: refused.headers['x-request-id'],
    });
    expect(requestLine('/api/nothing')).toMatchObject({ level: 'warn', status: 404, code: 'not_found' });
    const streamLines = parsed.filter((l) => l.path === '/api/events');
    expect(streamLines.map((l) => l.msg)).toEqual(['daemon stream open', 'daemon request']);
    expect(streamLines[0]!.reqId).toBe(streamLines[1]!.reqId);

    const ids = [ok, refused, missing].map((r) => r.headers['x-request-id']);
    expect(new Set([...ids, streamLines[0]!.reqId]).size).toBe(4);

    // Nothing secret: not the daemon secret (even when sent in a query), not the tokens it serves.
    const text = raw.join('');
    expect(text).not.toContain(daemon.secret);
    expect(text).not.toContain('test-admin-token-not-to-be-logged');
    expect(text).not.toContain(devApiKey.split(':')[1]);
    expect(text).not.toContain('wrong-secret');
  });

  it('fileLogger appends daemon and cli lines to one private file', async () => {
    const path = join(dataDir, 'logs', 'daemon.log');
    const log = fileLogger(path, 'info');
    log.cli.info('stack up', { engine: 'embedded' });
    log.daemon.child({ reqId: 'abc-1' }).warn('daemon request refused', { status: 401 });
    log.daemon.debug('below the level');
    log.close();
    log.cli.info('after close: dropped');
    const written = (await readFile(path, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Line);
    expect(written).toHaveLength(2);
    expect(written[0]).toMatchObject({ service: 'cli', level: 'info', msg: 'stack up', engine: 'embedded' });
    expect(written[1]).toMatchObject({ service: 'daemon', level: 'warn', reqId: 'abc-1', status: 401 });
    const { stat } = await import('node:fs/promises');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });
});
