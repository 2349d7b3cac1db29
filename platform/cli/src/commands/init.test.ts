import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliContext } from '../cli-context.js';
import { parseEnvFile } from '../dotenv-file.js';
import { runCli } from '../run-cli.js';

function project(env: Record<string, string> = {}) {
  let out = '';
  let err = '';
  const cwd = mkdtempSync(join(tmpdir(), 'rb-init-'));
  const context: CliContext = {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
    env,
    cwd,
    untilSignal: () => new Promise(() => {}),
  };
  const dotenv = () => Object.fromEntries(parseEnvFile(readFileSync(join(cwd, '.env'), 'utf8')));
  return { context, cwd, dotenv, stdout: () => out, stderr: () => err };
}

describe('relaybox init', () => {
  it('writes .env (0600) with the dev key of this directory and URLs, and prints the snippet', async () => {
    const p = project();
    expect(await runCli(['init'], p.context)).toBe(0);
    const devKey = readFileSync(join(p.cwd, '.relaybox', 'dev-key'), 'utf8').trim();
    expect(devKey).toMatch(/^dev\.default:[\w-]{32}$/);
    expect(p.dotenv()).toEqual({
      RELAYBOX_URL: 'http://localhost:9000',
      RELAYBOX_WS_URL: 'ws://localhost:9000/v1/ws',
      RELAYBOX_API_KEY: devKey,
      RELAYBOX_DEV_API_KEY: devKey,
    });
    expect(statSync(join(p.cwd, '.env')).mode & 0o777).toBe(0o600);
    expect(p.stdout()).toMatch(
      /^Created \.env: RELAYBOX_URL, RELAYBOX_WS_URL, RELAYBOX_API_KEY, RELAYBOX_DEV_API_KEY\n/,
    );
    expect(p.stdout()).toContain("authEndpoint: '/api/relaybox-token'");
    expect(p.stdout()).toContain('process.env.RELAYBOX_API_KEY');

    // Twice: same key, nothing to write.
    expect(await runCli(['init'], p.context)).toBe(0);
    expect(p.stdout()).toContain('.env already has the RelayBox settings');
    expect(p.dotenv().RELAYBOX_API_KEY).toBe(devKey);
  });

  it('merges into an existing .env, keeps values it has, and replaces them with --force', async () => {
    const p = project({ RELAYBOX_DEV_API_KEY: 'dev.default:fixed-by-env-0123456789' });
    const before =
      '# my app\nDATABASE_URL=postgres://localhost/app\nRELAYBOX_API_KEY=prod.backend:keep-me-please-0123\n';
    writeFileSync(join(p.cwd, '.env'), before);
    expect(await runCli(['init', '--url', 'http://127.0.0.1:9100/ignored/path'], p.context)).toBe(0);
    const text = readFileSync(join(p.cwd, '.env'), 'utf8');
    expect(text.startsWith(before)).toBe(true);
    expect(p.dotenv()).toMatchObject({
      DATABASE_URL: 'postgres://localhost/app',
      RELAYBOX_API_KEY: 'prod.backend:keep-me-please-0123',
      RELAYBOX_DEV_API_KEY: 'dev.default:fixed-by-env-0123456789',
      RELAYBOX_URL: 'http://127.0.0.1:9100',
      RELAYBOX_WS_URL: 'ws://127.0.0.1:9100/v1/ws',
    });
    expect(p.stdout()).toMatch(/^Updated \.env: RELAYBOX_URL, RELAYBOX_WS_URL, RELAYBOX_DEV_API_KEY\n/m);
    expect(p.stdout()).toMatch(
      /Kept the values \.env already had for RELAYBOX_API_KEY \(`relaybox init --force`/,
    );

    expect(await runCli(['init', '--force'], p.context)).toBe(0);
    expect(p.dotenv()).toMatchObject({
      DATABASE_URL: 'postgres://localhost/app',
      RELAYBOX_API_KEY: 'dev.default:fixed-by-env-0123456789',
      RELAYBOX_URL: 'http://localhost:9000',
    });
  });

  it('refuses a --url that is not an http(s) origin', async () => {
    const p = project();
    expect(await runCli(['init', '--url', 'ftp://x'], p.context)).toBe(2);
    expect(p.stderr()).toMatch(/--url must be an http\(s\) origin/);
    expect(await runCli(['init', '--url', 'nope'], p.context)).toBe(2);
  });
});
