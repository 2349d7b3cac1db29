import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stackFailurePage } from './stack-failure-page.js';
import { launchStack, StackProcessError } from './stack-process.js';

// A stand-in for the `relaybox` CLI: serves /api/stack/connection like a daemon, announces itself
// in .relaybox/daemon.json, prints a line, and (with IGNORE_TERM) ignores SIGTERM like a hung stack.
const FAKE_CLI = `
import { createServer } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
writeFileSync('child.pid', String(process.pid));
if (process.env.PRINT_SECRETS) {
  // What \`relaybox up\` prints (cli/src/format.ts, commands/up.ts), secrets included.
  console.log('  Admin      http://localhost:9000/v1/admin  (Authorization: Bearer ADMINTOKEN0123456789abcdef)');
  console.log('  Dev key    app_dev.key_dev:DEVKEYSECRET0123456789abcdef');
  console.log('Console with stack control: http://localhost:9000/console/#daemon=http%3A%2F%2F127.0.0.1%3A4000&secret=DAEMONSECRET0123456789abcdef&token=ADMINTOKEN0123456789abcdef');
  console.error('RELAYBOX_ADMIN_TOKEN=ADMINTOKEN0123456789abcdef {"daemonSecret":"DAEMONSECRET0123456789abcdef"}');
  console.log('  Origin     http://127.0.0.1:9000');
}
if (process.env.IGNORE_TERM) process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
if (process.env.NEVER_READY) { console.log('<b>never ready</b>'); setInterval(() => {}, 1000); }
else {
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(req.url === '/api/stack/connection' ? { origin: 'http://localhost:1', console: 'http://localhost:1/console' } : { state: 'running' }));
  });
  server.listen(0, '127.0.0.1', () => {
    mkdirSync('.relaybox', { recursive: true });
    const url = 'http://127.0.0.1:' + server.address().port;
    writeFileSync('.relaybox/daemon.json', JSON.stringify({ url, secret: 's'.repeat(32), pid: process.pid, engine: 'embedded', startedAt: 0 }));
    console.log('args: ' + process.argv.slice(2).join(' '));
  });
}
`;

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function fakeCli(): Promise<{ cli: string; dir: string }> {
  dir = await mkdtemp(join(tmpdir(), 'rb-stack-process-'));
  const cli = join(dir, 'fake-cli.mjs');
  await writeFile(cli, FAKE_CLI);
  return { cli, dir };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('launchStack (child process of the system Node.js)', () => {
  it('passes the engine and port, attaches to the daemon, and SIGKILLs a child that ignores SIGTERM', async () => {
    const { cli, dir } = await fakeCli();
    const stack = await launchStack({
      node: process.execPath,
      cli,
      engine: 'native',
      port: 0,
      dir,
      env: { IGNORE_TERM: '1' },
      stopGraceMs: 300,
    });
    expect(stack.connection.origin).toBe('http://localhost:1');
    expect(await stack.status()).toEqual({ state: 'running' });
    const exits: unknown[] = [];
    stack.onExit((exit) => exits.push(exit));
    const exit = await stack.stop();
    expect(exit).toMatchObject({ code: null, signal: 'SIGKILL', expected: true });
    expect(exit.lastLines[0]).toBe('args: up --engine native --port 0');
    expect(isAlive(stack.pid)).toBe(false);
    expect(exits).toEqual([exit]);
    // Idempotent.
    expect(await stack.stop()).toBe(exit);
  });

  it('never passes on the secrets the stack prints (admin token, daemon secret, dev key)', async () => {
    const { cli, dir } = await fakeCli();
    const logged: string[] = [];
    const stack = await launchStack({
      node: process.execPath,
      cli,
      engine: 'embedded',
      port: 0,
      dir,
      env: { PRINT_SECRETS: '1' },
      onLine: (line) => logged.push(line),
    });
    const exit = await stack.stop();
    for (const lines of [logged, exit.lastLines]) {
      const text = lines.join('\n');
      expect(text).toContain('Authorization: Bearer [redacted]');
      expect(text).toContain('app_dev.key_dev:[redacted]');
      expect(text).toContain('secret=[redacted]');
      expect(text).toContain('Origin     http://127.0.0.1:9000');
      for (const secret of ['ADMINTOKEN', 'DAEMONSECRET', 'DEVKEYSECRET']) expect(text).not.toContain(secret);
    }
  });

  it('cancels a launch that is aborted, leaving no process', async () => {
    const { cli, dir } = await fakeCli();
    const abort = new AbortController();
    const launched = launchStack({
      node: process.execPath,
      cli,
      engine: 'embedded',
      port: 0,
      dir,
      env: { NEVER_READY: '1' },
      signal: abort.signal,
      stopGraceMs: 5000,
      // Aborts once the child runs (it printed), as a quit during a slow start would.
      onLine: () => abort.abort(),
    });
    const error = (await launched.catch((e: unknown) => e)) as StackProcessError;
    expect(error).toBeInstanceOf(StackProcessError);
    expect(error.message).toBe('starting the stack was cancelled');
    expect(error.lastLines).toEqual(['<b>never ready</b>']);
    expect(isAlive(Number(await readFile(join(dir, 'child.pid'), 'utf8')))).toBe(false);
  });

  it('reports a node that cannot be spawned as a failed start', async () => {
    const { cli, dir } = await fakeCli();
    const error = (await launchStack({
      node: join(dir, 'missing-node'),
      cli,
      engine: 'embedded',
      port: 0,
      dir,
    }).catch((e: unknown) => e)) as StackProcessError;
    expect(error).toBeInstanceOf(StackProcessError);
    expect(error.message).toMatch(/exited .* before its daemon started/);
    expect(error.lastLines.join('\n')).toContain('ENOENT');
  });
});

describe('stackFailurePage', () => {
  it('escapes the child output and allows no script', () => {
    const page = stackFailurePage('the stack process exited (code 1)', ['<script>alert(1)</script> & "x"']);
    expect(page).toContain('The stack process exited (code 1).');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;');
    expect(page).not.toContain('<script>');
    expect(page).toContain("default-src 'none'");
    expect(stackFailurePage('x', [])).toContain('(the stack process printed nothing)');
  });
});
