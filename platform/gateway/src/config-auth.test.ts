import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('auth service configuration', () => {
  it('reads the user database of cloud mode, and refuses what is no PostgreSQL URL', () => {
    expect(loadConfig({}).authDatabaseUrl).toBeUndefined();
    const url = 'postgres://relaybox@db.internal:5432/users';
    expect(loadConfig({ RELAYBOX_AUTH_DATABASE_URL: url }).authDatabaseUrl).toBe(url);
    expect(loadConfig({ RELAYBOX_AUTH_DATABASE_URL: 'postgresql://h/db' }).authDatabaseUrl).toBe(
      'postgresql://h/db',
    );
    for (const bad of ['redis://h:6379', 'db.internal:5432', 'postgres://']) {
      expect(() => loadConfig({ RELAYBOX_AUTH_DATABASE_URL: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ RELAYBOX_AUTH_DATABASE_URL: bad })).toThrow(/RELAYBOX_AUTH_DATABASE_URL/);
    }
  });

  it('refuses an auth secret shorter than 32 bytes', () => {
    expect(() => loadConfig({ RELAYBOX_AUTH_SECRET: 'short' })).toThrow(/at least 32 bytes/);
  });
});
