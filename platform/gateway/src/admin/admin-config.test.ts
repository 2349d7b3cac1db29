import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.js';
import { localAdminToken } from './local-admin-token.js';

describe('inspector configuration', () => {
  it('defaults: development, tracing on, local-only, no token given', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ env: 'development', tracing: true, adminAllowRemote: false });
    expect(config.adminToken).toBeUndefined();
  });

  it('production turns tracing off unless asked; the variables are validated', () => {
    expect(loadConfig({ RELAYBOX_ENV: 'production' }).tracing).toBe(false);
    expect(loadConfig({ RELAYBOX_ENV: 'production', RELAYBOX_TRACING: 'on' }).tracing).toBe(true);
    expect(loadConfig({ RELAYBOX_TRACING: 'off' }).tracing).toBe(false);
    expect(loadConfig({ RELAYBOX_ADMIN_ALLOW_REMOTE: '1' }).adminAllowRemote).toBe(true);
    expect(loadConfig({ RELAYBOX_ADMIN_TOKEN: 'a-long-enough-token' }).adminToken).toBe(
      'a-long-enough-token',
    );
    expect(() => loadConfig({ RELAYBOX_ENV: 'prod' })).toThrow(ConfigError);
    expect(() => loadConfig({ RELAYBOX_TRACING: 'yes' })).toThrow(ConfigError);
    expect(() => loadConfig({ RELAYBOX_ADMIN_ALLOW_REMOTE: 'true' })).toThrow(ConfigError);
    expect(() => loadConfig({ RELAYBOX_ADMIN_TOKEN: 'short' })).toThrow(/at least 16/);
  });

  it('generates the local admin token once per data dir, private to the user', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'rb-token-')), 'nested');
    const token = localAdminToken(dir);
    expect(token).toMatch(/^rbadm_[A-Za-z0-9_-]{32}$/);
    expect(localAdminToken(dir)).toBe(token);
    expect(readFileSync(join(dir, 'admin-token'), 'utf8')).toBe(`${token}\n`);
    expect(statSync(join(dir, 'admin-token')).mode & 0o777).toBe(0o600);
  });
});
