import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { daemonFilePath, readDaemonFile, removeDaemonFile, writeDaemonFile } from './daemon-file.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const info = {
  url: 'http://127.0.0.1:4567',
  secret: 's'.repeat(43),
  pid: 123,
  engine: 'embedded',
  startedAt: 1,
};

describe('<dataDir>/daemon.json', () => {
  it('is written private (0600 in a 0700 dir) and read back', async () => {
    dir = await mkdtemp(join(tmpdir(), 'rb-daemon-json-'));
    const path = await writeDaemonFile(dir, info);
    expect(path).toBe(join(dir, 'daemon.json'));
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o077).toBe(0);
    expect(await readDaemonFile(dir)).toEqual(info);
    // Rewriting replaces it whole and keeps it private.
    await writeDaemonFile(dir, { ...info, pid: 124 });
    expect((await readDaemonFile(dir))?.pid).toBe(124);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('reads a missing, corrupt or non-loopback file as none', async () => {
    dir = await mkdtemp(join(tmpdir(), 'rb-daemon-json-'));
    expect(await readDaemonFile(dir)).toBeUndefined();
    await writeDaemonFile(dir, info);
    for (const text of [
      '{',
      '[]',
      '{"url":"http://127.0.0.1:1"}',
      JSON.stringify({ ...info, url: 'http://evil.example:80' }),
    ]) {
      await writeFile(daemonFilePath(dir), text);
      expect(await readDaemonFile(dir), text).toBeUndefined();
    }
  });

  it('is removed only by the daemon it describes', async () => {
    dir = await mkdtemp(join(tmpdir(), 'rb-daemon-json-'));
    await writeDaemonFile(dir, info);
    await removeDaemonFile(dir, 'another-secret');
    expect(JSON.parse(await readFile(daemonFilePath(dir), 'utf8'))).toEqual(info);
    await removeDaemonFile(dir, info.secret);
    expect(await readDaemonFile(dir)).toBeUndefined();
  });
});
