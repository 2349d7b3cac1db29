import { describe, expect, it } from 'vitest';
import { trayView } from './tray-view.js';
import {
  consoleCsp,
  consoleWebPreferences,
  isAllowedNavigation,
  isConsoleUrl,
  withConsoleCsp,
} from './window-security.js';

const origin = 'http://localhost:9000';
const daemon = 'http://127.0.0.1:45678';

describe('console window security', () => {
  it('lets the window show and navigate within the console origin only', () => {
    expect(isConsoleUrl('http://localhost:9000/console/', origin)).toBe(true);
    expect(isConsoleUrl('http://localhost:9000/v1/admin', origin)).toBe(false);
    for (const url of [
      'http://localhost:9001/console/',
      'http://127.0.0.1:9000/console/',
      'https://localhost:9000/console/',
      'http://localhost:9000@evil.example/console/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'not a url',
    ]) {
      expect(isAllowedNavigation(url, origin), url).toBe(false);
    }
    expect(isAllowedNavigation('http://localhost:9000/console/rooms', origin)).toBe(true);
  });

  it('builds a CSP that allows only own scripts and the daemon besides the origin', () => {
    const csp = consoleCsp(origin, `${daemon}/`);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain(`connect-src 'self' ws://localhost:9000 ${daemon}`);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
  });

  it('adds the CSP to console responses, keeping the gateway policy, and leaves other origins alone', () => {
    const gateway = { 'content-security-policy': ["default-src 'self'"], 'x-other': ['1'] };
    const result = withConsoleCsp('http://localhost:9000/console/', gateway, origin, daemon)!;
    expect(result['Content-Security-Policy']).toEqual(["default-src 'self'", consoleCsp(origin, daemon)]);
    expect(result['content-security-policy']).toBeUndefined();
    expect(result['x-other']).toEqual(['1']);
    expect(withConsoleCsp('https://example.com/', gateway, origin, daemon)).toBe(gateway);
    expect(withConsoleCsp('http://localhost:9000/', undefined, origin, daemon)).toEqual({
      'Content-Security-Policy': [consoleCsp(origin, daemon)],
    });
  });

  it('creates windows isolated, sandboxed and without Node', () => {
    expect(consoleWebPreferences('/p/preload.cjs')).toMatchObject({
      preload: '/p/preload.cjs',
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
      webSecurity: true,
      webviewTag: false,
    });
  });
});

describe('tray view', () => {
  it('summarises the stack status', () => {
    const view = trayView({
      phase: 'running',
      status: {
        engine: 'docker',
        state: 'degraded',
        services: [
          { name: 'gateway-1', service: 'gateway', state: 'healthy', since: 0, actions: ['stop', 'restart'] },
          { name: 'redis', service: 'redis', state: 'exited', since: 0, actions: ['start'] },
        ],
        endpoints: { origin, websocket: '', rest: '', console: '', admin: '' },
      },
    });
    expect(view).toEqual({
      tooltip: 'RelayBox (docker): degraded, 1/2 services up',
      statusLabel: 'Stack degraded — 1/2 services up',
      canOpenConsole: true,
      canStopStack: true,
      canRestart: true,
    });
    expect(trayView({ phase: 'starting' })).toMatchObject({ statusLabel: 'Starting…', canRestart: false });
    expect(trayView({ phase: 'stopped' })).toMatchObject({ canStopStack: false, canRestart: true });
    expect(trayView({ phase: 'failed', error: 'port 9000 is in use' })).toMatchObject({
      tooltip: 'RelayBox: port 9000 is in use',
      canStopStack: false,
      canRestart: true,
    });
  });
});
