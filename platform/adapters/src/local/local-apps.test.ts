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
