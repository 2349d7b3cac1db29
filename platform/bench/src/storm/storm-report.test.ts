import { describe, expect, it } from 'vitest';
import type { ResumeStormRow } from './resume-storm.js';
import { formatResumeStorm } from './storm-report.js';

const row: ResumeStormRow = {
  clients: 200,
  silent: 0,
  lost: 0,
  duplicated: 0,
  complete: 200,
  caughtUp: 199,
  lastCaughtUpAt: null,
  discontinuities: 0,
  published: 1654,
  publishFailures: 1,
  publishFailureSamples: ['E_TIMEOUT: no ack'],
  finalSeq: 1653,
  lastCaughtUpMs: null,
  gatewayBCpuPeakPercent: 36.4,
  redisCpuPeakPercent: 12,
};

describe('formatResumeStorm', () => {
  it('prints one line per row, n/a when a client never caught up, and why publishes failed', () => {
    const text = formatResumeStorm([
      { server: 'relaybox2', label: 'RelayBox (2 nodes, AMQP)', result: row },
      { server: 'relaybox2', label: 'second', error: 'connect: 3 of 200 clients failed' },
    ]);
    const lines = text.split('\n');
    expect(lines[2]).toMatch(
      /^RelayBox \(2 nodes, AMQP\)\s+200\s+1,654 \(1 failed\)\s+1,653\s+0\s+0\s+0\s+0\s+199 of 200\s+n\/a\s+36\s+12$/,
    );
    expect(lines[3]).toBe('second  ERROR connect: 3 of 200 clients failed');
    expect(lines[4]).toContain('E_TIMEOUT: no ack');
  });
});
