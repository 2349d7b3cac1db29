import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONSOLE_CSP, consoleTarget } from './console.routes.js';

const root = resolve('/srv/console');

describe('consoleTarget', () => {
  it('maps the console and its files into the directory', () => {
    expect(consoleTarget(root, '/console')).toEqual({
      kind: 'file',
      path: join(root, 'index.html'),
      asset: false,
    });
    expect(consoleTarget(root, '/console/')).toEqual({
      kind: 'file',
      path: join(root, 'index.html'),
      asset: false,
    });
    expect(consoleTarget(root, '/console/assets/a-1.js')).toEqual({
      kind: 'file',
      path: join(root, 'assets', 'a-1.js'),
      asset: true,
    });
    expect(consoleTarget(root, '/console/rooms/dev/chat%3Aa')).toEqual({
      kind: 'file',
      path: join(root, 'rooms', 'dev', 'chat:a'),
      asset: false,
    });
  });

  it('refuses every way out of the directory', () => {
    for (const url of [
      '/console/..',
      '/console/../x',
      '/console/%2e%2e/x',
      '/console/a/..%2f..%2fx',
      '/console/..%5cx',
      '/console/x%00',
      '/console/%E0%A4%A',
      '/console/.env',
      '/console/assets/.%2e/x',
    ]) {
      expect(consoleTarget(root, url), url).toEqual({ kind: 'invalid' });
    }
  });

  it('allows no inline script or style', () => {
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(CONSOLE_CSP).not.toContain('unsafe');
  });
});
