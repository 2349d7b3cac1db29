import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('RELAYBOX_TEST_DROP_FANOUT_EVERY (test-only broken build)', () => {
  it('is off by default', () => {
    expect(loadConfig({}).testDropFanoutEvery).toBeUndefined();
  });

  it('is read in development, bounded', () => {
    expect(loadConfig({ RELAYBOX_TEST_DROP_FANOUT_EVERY: '100' }).testDropFanoutEvery).toBe(100);
    expect(() => loadConfig({ RELAYBOX_TEST_DROP_FANOUT_EVERY: '1' })).toThrow(ConfigError);
  });

  it('is refused in production', () => {
    expect(() => loadConfig({ RELAYBOX_ENV: 'production', RELAYBOX_TEST_DROP_FANOUT_EVERY: '100' })).toThrow(
      /test-only switch and is refused in production/,
    );
  });
});

describe('RELAYBOX_AMQP_CONNECTION_NAME', () => {
  it('defaults to relaybox-gw-<nodeId>, and is validated', () => {
    expect(loadConfig({ RELAYBOX_NODE_ID: 'gw-a' }).amqpConnectionName).toBe('relaybox-gw-gw-a');
    expect(loadConfig({ RELAYBOX_AMQP_CONNECTION_NAME: 'relaybox-ab12-gateway-1' }).amqpConnectionName).toBe(
      'relaybox-ab12-gateway-1',
    );
    expect(() => loadConfig({ RELAYBOX_AMQP_CONNECTION_NAME: 'a b' })).toThrow(ConfigError);
  });
});
