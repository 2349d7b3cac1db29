import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BrowserClient,
  createTestDatabase,
  internal,
  type RunningControlPlane,
  startControlPlane,
} from './api-harness.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let cp: RunningControlPlane;
let receiver: Server;
const secrets = new Map<string, string>();
const listResponses: string[] = [];
let configText = '';

beforeAll(async () => {
  db = await createTestDatabase();
  cp = await startControlPlane({ DATABASE_URL: db.url, LOG_LEVEL: 'trace' });
  receiver = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

  const browser = new BrowserClient(cp.url);
  const password = 'my very secret password 123';
  await browser.signup('secretive@example.com', password);
  secrets.set('password', password);
  // A failed login and a wrong-password attempt carry passwords in their bodies too.
  await new BrowserClient(cp.url).post('/api/auth/login', {
    email: 'secretive@example.com',
    password: 'wrong but secret pw',
  });
  secrets.set('wrong password', 'wrong but secret pw');
  await browser.post('/api/auth/login', { email: 'secretive@example.com', password });
  secrets.set('session cookie', browser.cookie ?? '');
  secrets.set('csrf token', browser.csrfToken ?? '');
  secrets.set('master key', cp.masterKey);
  secrets.set('service token', cp.serviceToken);

  const app = (await browser.post('/api/apps', { name: 'vault' })).body;
  for (const name of ['one', 'two']) {
    const { key, apiKey } = (
      await browser.post(`/api/apps/${app.id}/keys`, { name, permissions: { '*': ['publish'] } })
    ).body;
    secrets.set(`key ${name}`, apiKey.split(':')[1]);
    if (name === 'two') {
      const rotated = (await browser.post(`/api/apps/${app.id}/keys/${key.id}/rotate`)).body;
      secrets.set('key two rotated', rotated.apiKey.split(':')[1]);
    } else {
      await browser.post(`/api/apps/${app.id}/keys/${key.id}/revoke`);
    }
    await internal(cp, 'GET', `/keys/${app.id}/${key.id}`);
  }
  const hook = (await browser.post(`/api/apps/${app.id}/webhooks`, { url: hookUrl, events: ['room.joined'] }))
    .body;
  secrets.set('webhook secret', hook.secret);
  await browser.post(`/api/apps/${app.id}/webhooks/${hook.webhook.id}/test`);
  configText = (await internal(cp, 'GET', `/apps/${app.id}/config`)).text;

  for (const path of [
    '/api/apps',
    `/api/apps/${app.id}`,
    `/api/apps/${app.id}/keys`,
    `/api/apps/${app.id}/webhooks`,
    `/api/apps/${app.id}/webhooks/${hook.webhook.id}/deliveries`,
    `/api/apps/${app.id}/usage`,
  ]) {
    const reply = await browser.get(path);
    expect(reply.status).toBe(200);
    listResponses.push(reply.text);
  }
  await browser.post('/api/auth/logout');
});

afterAll(async () => {
  await new Promise((resolve) => receiver?.close(resolve));
  await cp?.close();
  await db?.drop();
});

function leaks(haystack: string): string[] {
  return [...secrets].filter(([, value]) => haystack.includes(value)).map(([name]) => name);
}

describe('secrets never appear in plaintext', () => {
  it('collected every secret', () => {
    expect(secrets.size).toBe(10);
    for (const [name, value] of secrets) expect(value.length, name).toBeGreaterThanOrEqual(16);
    // The check itself works: the internal config (for gateways only) does carry the webhook secret.
    expect(leaks(configText)).toEqual(['webhook secret']);
  });

  it('is absent from every server log line', () => {
    expect(cp.logs.length).toBeGreaterThan(20);
    for (const line of cp.logs) expect(leaks(line), line).toEqual([]);
  });

  it('is absent from the list and read responses', () => {
    for (const text of listResponses) expect(leaks(text), text).toEqual([]);
  });

  it('is absent from every row of every table (text, and bytea as utf8/hex/base64)', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const tables = await client.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
      );
      expect(tables.rows.map((r) => r.table_name)).toEqual(
        expect.arrayContaining(['api_keys', 'webhook_endpoints', 'users', 'sessions']),
      );
      let rowsScanned = 0;
      for (const { table_name } of tables.rows) {
        const rows = await client.query(`SELECT * FROM "${table_name}"`);
        for (const row of rows.rows) {
          rowsScanned++;
          const dump = JSON.stringify(row, (_key, value) => {
            const buf = value?.type === 'Buffer' ? Buffer.from(value.data) : null;
            return buf
              ? [buf.toString('utf8'), buf.toString('hex'), buf.toString('base64'), buf.toString('base64url')]
              : value;
          });
          expect(leaks(dump), `${table_name}: ${dump}`).toEqual([]);
        }
      }
      expect(rowsScanned).toBeGreaterThan(8);
    } finally {
      await client.end();
    }
  });
});
