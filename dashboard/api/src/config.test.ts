import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, OWASP_ARGON2 } from './config.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'cp-config-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('loadConfig', () => {
  it('defaults to embedded PGlite, OWASP argon2 cost and generated dev secrets (frozen)', () => {
    const dir = tempDir();
    const config = loadConfig({ DATA_DIR: dir });
    expect(config.databaseUrl).toBeNull();
    expect(config.port).toBe(9100);
    expect(config.host).toBe('127.0.0.1');
    expect(config.argon2).toEqual(OWASP_ARGON2);
    expect(config.masterKey.length).toBe(32);
    expect(config.warnings).toHaveLength(2);
    expect(config.signupRateLimit).toBe(10);
    expect(config.webhookMaxEndpointsPerApp).toBe(10);
    expect(config.webhookAllowPrivateNetworks).toBe(true);
    expect(config.requestTimeoutMs).toBe(30_000);
    expect(config.connectionTimeoutMs).toBe(60_000);
    expect(Object.isFrozen(config)).toBe(true);
    // The generated secrets are reused on the next start.
    const again = loadConfig({ DATA_DIR: dir });
    expect(again.masterKey.equals(config.masterKey)).toBe(true);
    expect(again.serviceToken).toBe(config.serviceToken);
  });

  it('bounds the endpoint cap and the timeouts; production refuses private webhook targets', () => {
    const dir = tempDir();
    expect(loadConfig({ DATA_DIR: dir, WEBHOOK_MAX_ENDPOINTS_PER_APP: '3' }).webhookMaxEndpointsPerApp).toBe(
      3,
    );
    expect(() => loadConfig({ DATA_DIR: dir, WEBHOOK_MAX_ENDPOINTS_PER_APP: '0' })).toThrow(ConfigError);
    expect(() => loadConfig({ DATA_DIR: dir, REQUEST_TIMEOUT_MS: '0' })).toThrow(ConfigError);
    expect(() => loadConfig({ DATA_DIR: dir, CONNECTION_TIMEOUT_MS: '1000' })).toThrow(ConfigError);
    const production = loadConfig({
      NODE_ENV: 'production',
      DATA_DIR: dir,
      MASTER_KEY: randomBytes(32).toString('base64'),
      CONTROL_PLANE_SERVICE_TOKEN: 'x'.repeat(24),
    });
    expect(production.webhookAllowPrivateNetworks).toBe(false);
  });

  it('reads TRUST_PROXY as a list of CIDRs (none by default) and refuses anything else', () => {
    const dir = tempDir();
    expect(loadConfig({ DATA_DIR: dir }).trustProxy).toEqual([]);
    expect(loadConfig({ DATA_DIR: dir, TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).trustProxy).toEqual([
      '10.0.0.0/8',
      '127.0.0.1',
    ]);
    // The old boolean form trusted every peer's header: it is refused, not silently kept.
    expect(() => loadConfig({ DATA_DIR: dir, TRUST_PROXY: '1' })).toThrow(
      /TRUST_PROXY must be a comma-separated list/,
    );
  });

  it('requires MASTER_KEY and the service token in production, and refuses bad values', () => {
    const dir = tempDir();
    expect(() => loadConfig({ NODE_ENV: 'production', DATA_DIR: dir })).toThrow(ConfigError);
    const masterKey = randomBytes(32).toString('base64');
    expect(() => loadConfig({ NODE_ENV: 'production', MASTER_KEY: masterKey, DATA_DIR: dir })).toThrow(
      /SERVICE_TOKEN/,
    );
    const prod = loadConfig({
      NODE_ENV: 'production',
      MASTER_KEY: masterKey,
      CONTROL_PLANE_SERVICE_TOKEN: 'x'.repeat(32),
    });
    expect(prod.webhookAllowPrivateNetworks).toBe(false);
    expect(prod.warnings).toEqual([]);
    expect(() => loadConfig({ MASTER_KEY: 'c2hvcnQ=', DATA_DIR: dir })).toThrow(/32 bytes/);
    expect(() => loadConfig({ PORT: 'abc', DATA_DIR: dir })).toThrow(/PORT/);
    expect(() => loadConfig({ CONTROL_PLANE_SERVICE_TOKEN: 'short', DATA_DIR: dir })).toThrow(/16/);
    expect(() => loadConfig({ SIGNUP_RATE_LIMIT: '-1', DATA_DIR: dir })).toThrow(/SIGNUP_RATE_LIMIT/);
    expect(loadConfig({ SIGNUP_RATE_LIMIT: '0', DATA_DIR: dir }).signupRateLimit).toBe(0);
  });
});
