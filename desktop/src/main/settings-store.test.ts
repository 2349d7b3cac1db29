import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileSettingsStore } from './settings-store.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('FileSettingsStore', () => {
  it('defaults to auto (docker when reachable, else embedded), keeps a choice, and ignores an invalid file', async () => {
    dir = await mkdtemp(join(tmpdir(), 'rb-settings-'));
    const path = join(dir, 'nested', 'settings.json');
    const store = new FileSettingsStore(path);
    expect(await store.read()).toEqual({ engine: 'auto' });
    await store.write({ engine: 'docker' });
    expect(await new FileSettingsStore(path).read()).toEqual({ engine: 'docker' });
    expect((await stat(path)).mode & 0o077).toBe(0);
    await writeFile(path, '{"engine":"embedded"}');
    expect(await store.read()).toEqual({ engine: 'embedded' });
    await writeFile(path, '{"engine":"rm -rf"}');
    expect(await store.read()).toEqual({ engine: 'auto' });
    await writeFile(path, 'not json');
    expect(await store.read()).toEqual({ engine: 'auto' });
  });

  it('keeps the main-only executable paths and the native engine, and drops paths that are not strings', async () => {
    dir = await mkdtemp(join(tmpdir(), 'rb-settings-'));
    const path = join(dir, 'settings.json');
    await writeFile(path, '{"engine":"native","nodePath":"/opt/node/bin/node","cliPath":7}');
    const store = new FileSettingsStore(path);
    expect(await store.read()).toEqual({ engine: 'native', nodePath: '/opt/node/bin/node' });
  });
});
