import { describe, expect, it } from 'vitest';
import { type CpuProfile, summarizeProfile } from './profile-summary.js';

const frame = (id: number, functionName: string, children: number[] = []) => ({
  id,
  callFrame: { functionName, url: `file:///x/src/${functionName}.ts`, lineNumber: 0 },
  children,
});

// root → idle; root → serve → parse. Samples 1 ms apart from t = 1000 µs.
const profile: CpuProfile = {
  nodes: [
    { ...frame(1, '(root)', [2, 3]) },
    { ...frame(2, '(idle)') },
    { ...frame(3, 'serve', [4]) },
    { ...frame(4, 'parse') },
  ],
  startTime: 0,
  samples: [2, 3, 4, 4, 2, 4, 2, 2],
  timeDeltas: [1000, 1000, 1000, 1000, 1000, 5000, 1000, 1000],
};

describe('summarizeProfile', () => {
  it('counts busy time per function (self and total) and the longest runs of busy samples', () => {
    const s = summarizeProfile(profile);
    expect(s.wallMicros).toBe(12_000);
    expect(s.intervalMicros).toBe(1000);
    // Four busy samples of 1 ms: the 5 ms gap before one of them is preemption, not CPU.
    expect(s.busyMicros).toBe(4000);
    expect(s.self).toEqual([
      ['parse x/src/parse.ts:1', 3000],
      ['serve x/src/serve.ts:1', 1000],
    ]);
    expect(s.total[0]).toEqual(['serve x/src/serve.ts:1', 4000]);
    expect(s.turns).toEqual([
      { at: 1000, wallMicros: 3000, samples: 3 },
      { at: 5000, wallMicros: 5000, samples: 1 },
    ]);
  });

  it('keeps only the samples inside the window', () => {
    const s = summarizeProfile(profile, 4500, 10_000);
    expect(s.wallMicros).toBe(6000);
    expect(s.busyMicros).toBe(1000);
    expect(s.turns).toEqual([{ at: 500, wallMicros: 5000, samples: 1 }]);
  });
});
