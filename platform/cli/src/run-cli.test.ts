import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliContext } from './cli-context.js';
import { runCli } from './run-cli.js';
import { runningStack, writeStackState } from './stack-state.js';

const KEY = 'dev.default:unit-test-secret-0123456789';

function context(
  env: Record<string, string> = {},
): CliContext & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
    env,
    cwd: mkdtempSync(join(tmpdir(), 'rb-cli-unit-')),
    untilSignal: () => new Promise(() => {}),
    stdout: () => out,
    stderr: () => err,
  };
}

function decode(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload, signature] = token.split('.');
  const expected = createHmac('sha256', 'unit-test-secret-0123456789')
    .update(`${header}.${payload}`)
    .digest('base64url');
  expect(signature).toBe(expected);
  const json = (part: string | undefined) => JSON.parse(Buffer.from(part ?? '', 'base64url').toString());
  return { header: json(header), payload: json(payload) };
}

describe('relaybox token', () => {
  it('mints a JWT signed with the dev key: sub, permissions, ttl', async () => {
    const ctx = context({ RELAYBOX_DEV_API_KEY: KEY });
    const args = ['token', '--client-id', 'ann', '--permissions', '{"chat:*":["subscribe"]}', '--ttl', '120'];
    expect(await runCli(args, ctx)).toBe(0);
    const { header, payload } = decode(ctx.stdout().trim());
    expect(header).toMatchObject({ alg: 'HS256', kid: 'dev.default' });
    expect(payload).toMatchObject({ sub: 'ann', permissions: { 'chat:*': ['subscribe'] } });
    expect(Number(payload.exp) - Number(payload.iat)).toBe(120);
  });

  it('defaults to a one-hour token and prints JSON with --json', async () => {
    const ctx = context({ RELAYBOX_DEV_API_KEY: KEY });
    expect(await runCli(['token', '--client-id', 'bo', '--json'], ctx)).toBe(0);
    const { token, expiresAt } = JSON.parse(ctx.stdout()) as { token: string; expiresAt: number };
    const { payload } = decode(token);
    expect(Number(payload.exp) - Number(payload.iat)).toBe(3600);
    expect(expiresAt).toBe(Number(payload.exp) * 1000);
    expect(payload.permissions).toBeUndefined();
  });

  it.each([
    [['--permissions', '{chat'], 2, /--permissions must be JSON like/],
    [['--permissions', '["chat"]'], 2, /--permissions must be a JSON object/],
    [['--permissions', '{"chat:*":["fly"]}'], 1, /unknown operation "fly".*\[invalid_options\]/],
    [['--ttl', '0'], 2, /--ttl must be a whole number from 1 to 86400/],
    [['--ttl', '1.5'], 2, /--ttl must be a whole number/],
  ])('refuses bad input %j with a clear message', async (extra, code, message) => {
    const ctx = context({ RELAYBOX_DEV_API_KEY: KEY });
    expect(await runCli(['token', '--client-id', 'x', ...extra], ctx)).toBe(code);
    expect(ctx.stderr()).toMatch(message);
    expect(ctx.stdout()).toBe('');
  });

  it('needs --client-id', async () => {
    const ctx = context({ RELAYBOX_DEV_API_KEY: KEY });
    expect(await runCli(['token'], ctx)).toBe(2);
    expect(ctx.stderr()).toMatch(/required option '--client-id <id>' not specified/);
  });
});

describe('relaybox keys', () => {
  it('prints the dev key and a ready-to-paste server and client snippet', async () => {
    const ctx = context({ RELAYBOX_DEV_API_KEY: KEY });
    expect(await runCli(['keys'], ctx)).toBe(0);
    const out = ctx.stdout();
    expect(out).toContain(`  ${KEY}\n`);
    expect(out).toContain(`new RelayBoxRest({ apiKey: '${KEY}', url: 'http://localhost:9000' })`);
    expect(out).toContain("import { RelayBox } from '@relaybox/client';");
    expect(out).toContain("new RelayBox({ url: 'ws://localhost:9000/v1/ws', token })");
  });

  it('creates the dev key once in .relaybox/dev-key and keeps printing the same one', async () => {
    const ctx = context();
    expect(await runCli(['keys', '--json'], ctx)).toBe(0);
    const first = JSON.parse(ctx.stdout()) as { devApiKey: string };
    expect(first.devApiKey).toMatch(/^dev\.default:[\w-]{32}$/);
    expect(readFileSync(join(ctx.cwd, '.relaybox', 'dev-key'), 'utf8').trim()).toBe(first.devApiKey);
    const again = { ...ctx, out: (text: string) => expect(JSON.parse(text)).toEqual(first) };
    expect(await runCli(['keys', '--json'], again)).toBe(0);
  });

  it('prefers the running stack’s key and origin', async () => {
    const ctx = context({ RELAYBOX_DEV_API_KEY: KEY });
    writeStackState(join(ctx.cwd, '.relaybox'), {
      pid: process.pid,
      engine: 'native',
      startedAt: Date.now(),
      state: 'running',
      endpoints: {
        origin: 'http://localhost:9123',
        websocket: 'ws://localhost:9123/v1/ws',
        rest: 'http://localhost:9123/v1',
        console: 'http://localhost:9123/console',
        admin: 'http://localhost:9123/v1/admin',
      },
      devApiKey: 'dev.default:from-the-running-stack-000',
      adminToken: 'admin',
      services: [],
      logDir: join(ctx.cwd, '.relaybox', 'logs'),
    });
    expect(await runCli(['keys', '--json'], ctx)).toBe(0);
    expect(JSON.parse(ctx.stdout())).toMatchObject({
      devApiKey: 'dev.default:from-the-running-stack-000',
      origin: 'http://localhost:9123',
    });
  });
});

describe('relaybox up / down / status / logs arguments', () => {
  it.each([
    [
      ['up', '--engine', 'kubernetes'],
      /unknown engine "kubernetes": expected one of embedded, native, docker/,
    ],
    [['up', '--gateways', '0'], /--gateways must be a whole number from 1 to 16/],
    [['up', '--gateways', 'two'], /--gateways must be a whole number from 1 to 16/],
    [['up', '--port', '70000'], /--port must be a whole number from 0 to 65535/],
    [['logs', '--tail', '-1'], /--tail must be a whole number/],
    [['launch'], /unknown command 'launch'/],
  ])('%j exits 2 with a usage error', async (args, message) => {
    const ctx = context();
    expect(await runCli(args, ctx)).toBe(2);
    expect(ctx.stderr()).toMatch(message);
    expect(existsSync(join(ctx.cwd, '.relaybox', 'stack.json'))).toBe(false);
  });

  it('takes the engine from RELAYBOX_ENGINE when --engine is not given', async () => {
    const ctx = context({ RELAYBOX_ENGINE: 'kubernetes' });
    expect(await runCli(['up'], ctx)).toBe(2);
    expect(ctx.stderr()).toMatch(/unknown engine "kubernetes"/);
  });

  it('down, status and logs without a stack say so', async () => {
    const down = context();
    expect(await runCli(['down'], down)).toBe(0);
    expect(down.stdout()).toBe('No stack is running.\n');
    const status = context();
    expect(await runCli(['status'], status)).toBe(1);
    expect(status.stderr()).toMatch(/no stack is running \(start one with `relaybox up`\)/);
    const logs = context();
    expect(await runCli(['logs'], logs)).toBe(1);
    expect(logs.stderr()).toMatch(/no logs yet/);
  });

  it('forgets a stack whose `relaybox up` process is gone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rb-cli-unit-'));
    writeStackState(dir, {
      pid: 2 ** 22 + 12345,
      engine: 'embedded',
      startedAt: 0,
      state: 'running',
      endpoints: { origin: '', websocket: '', rest: '', console: '', admin: '' },
      devApiKey: KEY,
      adminToken: 'a',
      services: [],
      logDir: dir,
    });
    expect(runningStack(dir)).toBeUndefined();
    expect(existsSync(join(dir, 'stack.json'))).toBe(false);
  });
});
