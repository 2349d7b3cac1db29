import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RelayBox } from '@relaybox/client';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseEnvFile } from '../src/dotenv-file.js';
import { freePort, NodeWebSocket, runCliToExit, spawnCli, tempDir, uniqueName } from './cli-process.js';

// A user's project: a directory outside the repository, with only what `relaybox init` writes.
// Everything the CLI needs besides (gateway code, Lua scripts, the console build) is found from
// the package itself, never from the working directory.

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await Promise.resolve(cleanup()).catch(() => {});
});

beforeAll(() => {
  // The gateway serves the console build at /console; build it when its sources are newer.
  const script = fileURLToPath(new URL('../../../scripts/build-console.mjs', import.meta.url));
  const built = spawnSync(process.execPath, [script], { stdio: 'pipe' });
  if (built.status !== 0) throw new Error(`build-console failed:\n${built.stderr}`);
}, 180_000);

const dotenv = (cwd: string) => Object.fromEntries(parseEnvFile(readFileSync(join(cwd, '.env'), 'utf8')));

async function upIn(cwd: string, port: number, env: Record<string, string> = {}) {
  const cli = spawnCli(['up', '--port', String(port), '--no-open'], cwd, env);
  cleanups.push(() => cli.proc.kill('SIGKILL'));
  await cli.waitFor(/Console with stack control: \S+/);
  const adminToken = /Authorization: Bearer (\S+)\)/.exec(cli.output())?.[1];
  return { cli, adminToken };
}

describe('relaybox in a project directory', () => {
  it('init writes .env; up, status, keys, token, logs, console and down follow it and RELAYBOX_DATA_DIR', {
    timeout: 120_000,
  }, async () => {
    const cwd = tempDir();
    const port = await freePort();
    const init = await runCliToExit(['init', '--url', `http://localhost:${port}`], cwd);
    expect(init.code, init.output).toBe(0);
    const env = dotenv(cwd);
    expect(env.RELAYBOX_DEV_API_KEY).toMatch(/^dev\.default:/);
    expect(env.RELAYBOX_API_KEY).toBe(env.RELAYBOX_DEV_API_KEY);
    // The state of the stack goes where the project's .env says.
    appendFileSync(join(cwd, '.env'), 'RELAYBOX_DATA_DIR=var/relaybox\n');
    const dataDir = join(cwd, 'var', 'relaybox');

    const adminToken = uniqueName('admin-token-of-this-test');
    const up = await upIn(cwd, port, { RELAYBOX_ADMIN_TOKEN: adminToken });
    expect(up.adminToken).toBe(adminToken);
    expect(up.cli.output()).toContain(`Dev key    ${env.RELAYBOX_DEV_API_KEY}`);
    expect(existsSync(join(dataDir, 'stack.json'))).toBe(true);
    expect(existsSync(join(dataDir, 'daemon.json'))).toBe(true);
    expect(existsSync(join(cwd, '.relaybox', 'stack.json'))).toBe(false);

    const origin = `http://localhost:${port}`;
    const admin = (token: string) =>
      fetch(`${origin}/v1/admin/overview`, { headers: { authorization: `Bearer ${token}` } });
    expect((await admin(adminToken)).status).toBe(200);
    expect((await admin(`${adminToken}-not`)).status).toBe(401);
    const page = await fetch(`${origin}/console/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<div id="root">/);

    const status = await runCliToExit(['status'], cwd);
    expect(status.code, status.output).toBe(0);
    expect(status.output).toMatch(/embedded stack: running/);
    // Another directory finds the same stack through RELAYBOX_DATA_DIR alone.
    const elsewhere = await runCliToExit(['status', '--json'], tempDir(), { RELAYBOX_DATA_DIR: dataDir });
    expect(elsewhere.code, elsewhere.output).toBe(0);
    expect(JSON.parse(elsewhere.output)).toMatchObject({ engine: 'embedded', pid: up.cli.proc.pid });

    const keys = await runCliToExit(['keys', '--json'], cwd);
    expect(JSON.parse(keys.output)).toMatchObject({ devApiKey: env.RELAYBOX_DEV_API_KEY, origin });
    const minted = await runCliToExit(['token', '--client-id', 'erin'], cwd);
    expect(minted.code, minted.output).toBe(0);
    const relay = new RelayBox({
      url: `ws://localhost:${port}/v1/ws`,
      token: minted.output.trim(),
      WebSocket: NodeWebSocket as never,
    });
    cleanups.push(() => relay.close());
    await relay.connect();
    expect(relay.clientId).toBe('erin');

    const logs = await runCliToExit(['logs', 'gateway', '-n', '100'], cwd);
    expect(logs.code, logs.output).toBe(0);
    expect(logs.output).toMatch(new RegExp(`listening on http://localhost:${port}`));

    const daemon = JSON.parse(readFileSync(join(dataDir, 'daemon.json'), 'utf8')) as { url: string };
    const opened = await runCliToExit(['console', '--no-open'], cwd);
    expect(opened.code, opened.output).toBe(0);
    const fragment = new URLSearchParams(new URL(/Console: (\S+)/.exec(opened.output)![1]!).hash.slice(1));
    expect(fragment.get('daemon')).toBe(daemon.url);
    expect(fragment.get('token')).toBe(adminToken);

    const down = await runCliToExit(['down'], cwd);
    expect(down.code, down.output).toBe(0);
    expect(await up.cli.exited).toBe(0);
    expect(existsSync(join(dataDir, 'stack.json'))).toBe(false);
    expect(existsSync(join(dataDir, 'daemon.json'))).toBe(false);
  });

  it('without RELAYBOX_ADMIN_TOKEN, every up of a data dir serves the token kept in <dataDir>/admin-token', {
    timeout: 120_000,
  }, async () => {
    const cwd = tempDir();
    const tokens: Array<string | undefined> = [];
    for (let run = 0; run < 2; run++) {
      const up = await upIn(cwd, await freePort());
      tokens.push(up.adminToken);
      up.cli.proc.kill('SIGINT');
      expect(await up.cli.exited).toBe(0);
    }
    const kept = readFileSync(join(cwd, '.relaybox', 'admin-token'), 'utf8').trim();
    expect(kept.length).toBeGreaterThanOrEqual(16);
    expect(tokens).toEqual([kept, kept]);
  });

  it('refuses a RELAYBOX_ADMIN_TOKEN shorter than 16 characters before starting anything', {
    timeout: 60_000,
  }, async () => {
    const cwd = tempDir();
    const result = await runCliToExit(['up', '--port', '0'], cwd, { RELAYBOX_ADMIN_TOKEN: 'short' });
    expect(result.code).toBe(2);
    expect(result.output).toMatch(/relaybox: RELAYBOX_ADMIN_TOKEN must be at least 16 characters/);
    expect(existsSync(join(cwd, '.relaybox', 'stack.json'))).toBe(false);
  });
});
