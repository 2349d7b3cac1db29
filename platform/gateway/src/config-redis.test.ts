import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, redisUrl } from './config.js';

describe('Redis configuration', () => {
  it('points at one Redis by default, or at a cluster by seed list or URL', () => {
    expect(redisUrl({})).toBe('redis://127.0.0.1:6379');
    expect(redisUrl({ RELAYBOX_REDIS_CLUSTER: '10.0.0.1:7000,10.0.0.2:7000' })).toBe(
      'redis+cluster://10.0.0.1:7000,10.0.0.2:7000',
    );
    expect(redisUrl({ RELAYBOX_REDIS_URL: 'redis+cluster://h:7000' })).toBe('redis+cluster://h:7000');
    expect(loadConfig({ RELAYBOX_REDIS_CLUSTER: 'h:7000' }).redisUrl).toBe('redis+cluster://h:7000');
  });

  it('refuses both settings at once and a malformed seed list', () => {
    const both = { RELAYBOX_REDIS_CLUSTER: 'h:7000', RELAYBOX_REDIS_URL: 'redis://h:6379' };
    expect(() => redisUrl(both)).toThrow(ConfigError);
    expect(() => redisUrl({ RELAYBOX_REDIS_CLUSTER: 'h' })).toThrow(/invalid Redis configuration/);
    expect(() => redisUrl({ RELAYBOX_REDIS_URL: 'redis+cluster://h:x' })).toThrow(ConfigError);
  });
});
