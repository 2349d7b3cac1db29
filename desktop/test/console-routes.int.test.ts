import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleStack, ensureConsoleBuilt, startConsoleStack } from './console-harness.js';

// How the gateway serves the console at /console: content types, the app shell for client-side
// routes, a strict CSP, and no way out of the console directory.

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One HTTP/1.1 request written by hand, so the path reaches the server exactly as given (no `..` folding). */
function rawGet(port: number, path: string, method = 'GET'): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.setTimeout(5000, () => socket.destroy(new Error(`no answer for ${path}`)));
    socket.on('connect', () =>
      socket.write(
        `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\ncontent-length: 0\r\n\r\n`,
      ),
    );
    socket.on('data', (chunk) => {
      text += chunk.toString('utf8');
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const i = line.indexOf(':');
        headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    });
  });
}

describe('console routes (built console)', () => {
  let stack: ConsoleStack;

  beforeAll(async () => {
    ensureConsoleBuilt();
    stack = await startConsoleStack();
  });
  afterAll(() => stack?.close());

  it('serves the app shell at /console and for client-side routes, with a strict CSP', async () => {
    for (const path of ['/console', '/console/', '/console/rooms/dev/chat%3Alobby', '/console/traces/abc']) {
      const response = await fetch(`${stack.origin}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await response.text()).toContain('<div id="root"></div>');
    }
  });

  it('serves the built assets with their content types, and 404 for a missing asset', async () => {
    const html = await (await fetch(`${stack.origin}/console/`)).text();
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    const style = /href="(\/console\/assets\/[^"]+\.css)"/.exec(html)?.[1];
    expect(script && style).toBeTruthy();
    const js = await fetch(`${stack.origin}${script}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toContain('immutable');
    const css = await fetch(`${stack.origin}${style}`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const missing = await fetch(`${stack.origin}/console/assets/nothing-here.js`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('answers only GET', async () => {
    const response = await rawGet(stack.gateway.port, '/console/', 'POST');
    expect(response.status).toBe(405);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'method_not_allowed' } });
  });
});

describe('console routes (RELAYBOX_CONSOLE_DIR)', () => {
  let stack: ConsoleStack;
  let base: string;

  beforeAll(async () => {
    // A console dir next to a file that must never be served.
    base = mkdtempSync(join(tmpdir(), 'rb-console-dir-'));
    const dir = join(base, 'console');
    mkdirSync(join(dir, 'assets'), { recursive: true });
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>custom</title>custom console shell');
    writeFileSync(join(dir, 'assets', 'app.js'), 'console.log("app");');
    writeFileSync(join(dir, '.hidden'), 'hidden');
    writeFileSync(join(base, 'secret.txt'), 'TOP-SECRET-CONTENT');
    stack = await startConsoleStack({ RELAYBOX_CONSOLE_DIR: dir });
  });
  afterAll(async () => {
    await stack?.close();
    rmSync(base, { recursive: true, force: true });
  });

  it('serves the configured directory', async () => {
    const shell = await rawGet(stack.gateway.port, '/console/anything');
    expect(shell.status).toBe(200);
    expect(shell.body).toContain('custom console shell');
    const js = await rawGet(stack.gateway.port, '/console/assets/app.js');
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.body).toBe('console.log("app");');
  });

  it('never serves a file outside the console directory, nor a dot-file', async () => {
    const attempts = [
      '/console/../secret.txt',
      '/console/assets/../../secret.txt',
      '/console/%2e%2e/secret.txt',
      '/console/%2E%2E%2Fsecret.txt',
      '/console/assets/..%2f..%2fsecret.txt',
      '/console/..%5csecret.txt',
      '/console/%2e%2e%5c%2e%2e%5csecret.txt',
      '/console/secret.txt%00.html',
      '/console/%c0%ae%c0%ae/secret.txt',
      '/console/.hidden',
      '/console/%2ehidden',
    ];
    for (const path of attempts) {
      const response = await rawGet(stack.gateway.port, path);
      expect(response.body, path).not.toContain('TOP-SECRET-CONTENT');
      expect(response.body, path).not.toContain('hidden');
      expect([400, 404], `${path} → ${response.status}`).toContain(response.status);
    }
  });

  it('says how to build the console when the directory has no index.html', async () => {
    rmSync(join(base, 'console', 'index.html'));
    const response = await fetch(`${stack.origin}/console/`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain(
      'build-console',
    );
  });
});
