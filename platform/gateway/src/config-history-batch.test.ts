import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('history append batching configuration', () => {
  it('appends up to 64 messages of a room per Redis script call by default; 1 turns batching off', () => {
    expect(loadConfig({}).historyBatchMaxMessages).toBe(64);
    expect(loadConfig({ RELAYBOX_HISTORY_BATCH: '1' }).historyBatchMaxMessages).toBe(1);
    expect(loadConfig({ RELAYBOX_HISTORY_BATCH: '1000' }).historyBatchMaxMessages).toBe(1000);
  });

  it('refuses a batch bound that is not an integer from 1 to 1000', () => {
    for (const value of ['0', '1001', 'many', '2.5']) {
      expect(() => loadConfig({ RELAYBOX_HISTORY_BATCH: value })).toThrow(ConfigError);
    }
    expect(() => loadConfig({ RELAYBOX_HISTORY_BATCH: '1001' })).toThrow(/RELAYBOX_HISTORY_BATCH/);
  });
});
