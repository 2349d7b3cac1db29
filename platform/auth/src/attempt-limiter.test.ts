import { MemoryAttemptLimiter } from './attempt-limiter.js';
import { describeAttemptLimiterConformance } from './testing/attempt-limiter-conformance.js';

describeAttemptLimiterConformance('MemoryAttemptLimiter', () => {
  const shared = new MemoryAttemptLimiter();
  return { createLimiter: () => shared, dispose: async () => {} };
});
