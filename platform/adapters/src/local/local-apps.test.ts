import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalAppsError, loadLocalApps } from './local-apps.js';

const dir = () => mkdtempSync(join(tmpdir(), 'rb-apps-'));

function appsFile(content: unknown): string {
  const file = join(dir(), 'apps.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}

describe('loadLocalApps', () => {
  it('generates a dev key on first start and keeps it across restarts', async () => {
    const dataDir = dir();
    const first = loadLocalApps({ dataDir });
    expect(first.devApiKey).toMatch(/^dev\.default:[A-Za-z0-9_-]{32}$/);
    expect(readFileSync(join(dataDir, 'dev-key'), 'utf8').trim()).toBe(first.devApiKey);
    const second = loadLocalApps({ dataDir });
    expect(second.devApiKey).toBe(first.devApiKey);
    const key = await second.keys.getKey('dev', 'default');
    expect(key?.secret).toBe(first.devApiKey?.split(':')[1]);
  });

  it('RELAYBOX_DEV_API_KEY fixes the dev key', async () => {
    const { keys, devApiKey } = loadLocalApps({ dataDir: dir(), devApiKey: 'myapp.k1:0123456789abcdefXYZ' });
    expect(devApiKey).toBe('myapp.k1:0123456789abcdefXYZ');
    expect((await keys.getKey('myapp', 'k1'))?.secret).toBe('0123456789abcdefXYZ');
    expect(await keys.getKey('dev', 'default')).toBeUndefined();
  });

  it('rejects a malformed dev key with a clear message', () => {
    expect(() => loadLocalApps({ dataDir: dir(), devApiKey: 'nokey' })).toThrow(LocalAppsError);
    expect(() => loadLocalApps({ dataDir: dir(), devApiKey: 'a.b:short' })).toThrow(/at least 16/);
  });

  it('reads several apps with several keys, each bound to its own app', async () => {
    const file = appsFile({
      apps: [
        {
          id: 'alpha',
          keys: [
            { id: 'k1', secret: 'alpha-secret-0001', permissions: { 'chat:*': ['subscribe'] } },
            { id: 'k2', secret: 'alpha-secret-0002' },
          ],
        },
        { id: 'beta', keys: [{ id: 'k1', secret: 'beta-secret-00001' }] },
      ],
    });
    const { keys, devApiKey } = loadLocalApps({ appsFile: file, dataDir: dir() });
    expect(devApiKey).toBeUndefined();
    expect((await keys.getKey('alpha', 'k1'))?.permissions).toEqual({ 'chat:*': ['subscribe'] });
    expect((await keys.getKey('alpha', 'k2'))?.permissions).toEqual({
      '*': ['subscribe', 'publish', 'presence', 'history', 'metrics'],
    });
    expect((await keys.getKey('beta', 'k1'))?.secret).toBe('beta-secret-00001');
    expect(await keys.getKey('beta', 'k2')).toBeUndefined();
    expect(await keys.getKey('alpha', 'k3')).toBeUndefined();
  });

  it('reads webhook endpoints per app, looked up by app and by (app, endpoint)', async () => {
    const file = appsFile({
      apps: [
        {
          id: 'alpha',
          keys: [{ id: 'k1', secret: 'alpha-secret-0001' }],
          webhooks: [
            {
              id: 'audit',
              url: 'https://hooks.example.com/relaybox?team=7',
              secret: 'whsec-alpha-00001',
              events: ['connection.opened', 'connection.closed'],
            },
            {
              id: 'chat',
              url: 'http://127.0.0.1:4000/hook',
              secret: 'whsec-alpha-00002',
              events: ['message.published', 'room.joined'],
              rooms: ['chat:>', 'support:*'],
            },
          ],
        },
        { id: 'beta', keys: [{ id: 'k1', secret: 'beta-secret-00001' }] },
      ],
    });
    const { webhooks } = loadLocalApps({ appsFile: file, dataDir: dir() });
    const alpha = await webhooks.endpointsFor('alpha');
    expect(alpha.map((e) => e.id)).toEqual(['audit', 'chat']);
    expect(alpha[0]).toEqual({
      appId: 'alpha',
      id: 'audit',
      url: 'https://hooks.example.com/relaybox?team=7',
      secret: 'whsec-alpha-00001',
      events: ['connection.opened', 'connection.closed'],
    });
    expect(await webhooks.get('alpha', 'chat')).toMatchObject({
      events: ['message.published', 'room.joined'],
      rooms: ['chat:>', 'support:*'],
    });
    expect(await webhooks.endpointsFor('beta')).toEqual([]);
    expect(await webhooks.get('beta', 'chat')).toBeUndefined();
    expect(await webhooks.endpointsFor('nobody')).toEqual([]);
    expect(Object.isFrozen(alpha[1]?.rooms)).toBe(true);
  });

  it('has no webhook endpoints without an apps file', async () => {
    const { webhooks } = loadLocalApps({ dataDir: dir() });
    expect(await webhooks.endpointsFor('dev')).toEqual([]);
  });

  const key = { id: 'k', secret: 'long-enough-secret' };
  const hook = {
    id: 'h',
    url: 'https://example.com/h',
    secret: 'whsec-long-enough',
    events: ['room.joined'],
  };
  const withHooks = (...webhooks: unknown[]) => ({ apps: [{ id: 'a', keys: [key], webhooks }] });

  it.each([
    [{ apps: [{ id: 'a', keys: [key], webhooks: {} }] }, /apps\[0\]\.webhooks must be an array/],
    [withHooks({ ...hook, id: 'bad id' }), /apps\[0\]\.webhooks\[0\]\.id must match/],
    [withHooks(hook, { ...hook }), /webhooks\[1\]: duplicate webhook id h in app a/],
    [withHooks({ ...hook, url: undefined }), /webhooks\[0\]\.url must be a string/],
    [withHooks({ ...hook, url: 'not a url' }), /webhooks\[0\]\.url is not a valid URL/],
    [withHooks({ ...hook, url: 'ftp://example.com/h' }), /url must be an http:\/\/ or https:\/\/ URL/],
    [withHooks({ ...hook, url: 'https://u:p@example.com/h' }), /url must not contain credentials/],
    [withHooks({ ...hook, secret: 'short' }), /webhooks\[0\]\.secret must be a string of at least 16/],
    [withHooks({ ...hook, events: [] }), /webhooks\[0\]\.events must be a non-empty array/],
    [
      withHooks({ ...hook, events: ['room.joined', 'room.exploded'] }),
      /events\[1\]: unknown event "room\.exploded"; expected one of connection\.opened/,
    ],
    [
      withHooks({ ...hook, events: ['room.joined', 'room.joined'] }),
      /events\[1\]: duplicate event room\.joined/,
    ],
    [
      withHooks({ ...hook, events: ['message.published'] }),
      /webhooks\[0\]\.rooms is required with message\.published/,
    ],
    [withHooks({ ...hook, rooms: ['chat:*'] }), /rooms applies to message\.published only/],
    [withHooks({ ...hook, events: ['message.published'], rooms: [] }), /rooms must be a non-empty array/],
    [
      withHooks({ ...hook, events: ['message.published'], rooms: ['chat', 'a*'] }),
      /rooms\[1\]: invalid room pattern "a\*"/,
    ],
    [
      {
        apps: [
          { id: 'a', keys: [key], webhooks: [hook] },
          { id: 'a', keys: [{ ...key, id: 'k2' }], webhooks: [hook] },
        ],
      },
      /apps\[1\]\.webhooks\[0\]: duplicate webhook id h in app a/,
    ],
  ])('rejects bad webhooks %#', (content, message) => {
    expect(() => loadLocalApps({ appsFile: appsFile(content), dataDir: dir() })).toThrow(message);
  });

  it.each([
    [{}, /expected \{"apps"/],
    [{ apps: [{ id: 'bad id', keys: [] }] }, /apps\[0\]\.id/],
    [{ apps: [{ id: 'a', keys: [] }] }, /apps\[0\]\.keys must be a non-empty/],
    [{ apps: [{ id: 'a', keys: [{ id: 'k', secret: 'short' }] }] }, /keys\[0\]\.secret/],
    [
      {
        apps: [
          { id: 'a', keys: [{ id: 'k', secret: 'long-enough-secret', permissions: { 'a*': ['publish'] } }] },
        ],
      },
      /invalid room pattern/,
    ],
    [
      { apps: [{ id: 'a', keys: [{ id: 'k', secret: 'long-enough-secret', permissions: { a: ['fly'] } }] }] },
      /unknown operation/,
    ],
    [
      {
        apps: [
          {
            id: 'a',
            keys: [
              { id: 'k', secret: 'long-enough-secret' },
              { id: 'k', secret: 'long-enough-secret' },
            ],
          },
        ],
      },
      /duplicate key a\.k/,
    ],
  ])('rejects a bad apps file %#', (content, message) => {
    expect(() => loadLocalApps({ appsFile: appsFile(content), dataDir: dir() })).toThrow(message);
  });

  it('names the file when it cannot be read', () => {
    expect(() => loadLocalApps({ appsFile: '/nonexistent/apps.json', dataDir: dir() })).toThrow(
      /\/nonexistent\/apps\.json/,
    );
  });
});

describe('per-app history retention', () => {
  const key = { id: 'k', secret: 'long-enough-secret' };

  it('reads it per app, in seconds, and leaves other apps on the default', () => {
    const file = appsFile({
      apps: [
        { id: 'a', keys: [key], history: { maxMessages: 50, maxAgeSec: 60 } },
        { id: 'b', keys: [key] },
      ],
    });
    const { retention } = loadLocalApps({ appsFile: file, dataDir: dir() });
    expect(retention.get('a')).toEqual({ maxMessages: 50, maxAgeMs: 60_000 });
    expect(retention.has('b')).toBe(false);
  });

  it.each([
    [{ history: 5 }, /history must be an object/],
    [{ history: { maxMessages: 0 } }, /maxMessages must be an integer from 1/],
    [{ history: { maxAgeSec: 1.5 } }, /maxAgeSec must be an integer/],
    [{ history: { ttl: 1 } }, /unknown field "ttl"/],
  ])('refuses a bad history setting %#', (extra, message) => {
    const file = appsFile({ apps: [{ id: 'a', keys: [key], ...extra }] });
    expect(() => loadLocalApps({ appsFile: file, dataDir: dir() })).toThrow(message);
  });
});
