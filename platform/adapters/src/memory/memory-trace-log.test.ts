import { describeTraceLogConformance } from '@relaybox/core/testing';
import { MemoryTraceLog, MemoryTraceState } from './memory-trace-log.js';

describeTraceLogConformance('MemoryTraceLog', () => {
  let state: MemoryTraceState | undefined;
  return {
    createLog: (capacity) => {
      state ??= new MemoryTraceState(capacity);
      return new MemoryTraceLog({ state });
    },
    dispose: async () => state?.clear(),
  };
});
