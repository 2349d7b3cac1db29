import { describeConnectionQuotaConformance } from '@relaybox/core/testing';
import { MemoryConnectionQuota } from './memory-connection-quota.js';

describeConnectionQuotaConformance('memory', () => {
  const state = new Map<string, Map<string, number>>();
  return { createQuota: () => new MemoryConnectionQuota(state), dispose: async () => {} };
});
