import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('broker configuration', () => {
  it('batches up to 64 room messages of a shard per AMQP message by default; 1 turns batching off', () => {
    expect(loadConfig({}).brokerBatchMaxMessages).toBe(64);
    expect(loadConfig({ RELAYBOX_BROKER_BATCH: '1' }).brokerBatchMaxMessages).toBe(1);
    expect(loadConfig({ RELAYBOX_BROKER_BATCH: '65535' }).brokerBatchMaxMessages).toBe(65_535);
  });

  it('refuses a batch bound that is not an integer from 1 to 65535', () => {
    for (const value of ['0', '65536', 'many', '2.5']) {
      expect(() => loadConfig({ RELAYBOX_BROKER_BATCH: value })).toThrow(ConfigError);
    }
    expect(() => loadConfig({ RELAYBOX_BROKER_BATCH: '0' })).toThrow(/RELAYBOX_BROKER_BATCH/);
  });
});
