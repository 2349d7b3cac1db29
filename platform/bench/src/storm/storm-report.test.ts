import { describe, expect, it } from 'vitest';
import { type CpuPoint, cpuBetween } from './cpu-series.js';
import type { ResumeStormRow } from './resume-storm.js';
import { formatResumeStorm } from './storm-report.js';

const point = (at: number, a: number, b: number, redis: number, rabbitmq: number): CpuPoint => ({
  at,
  micros: { gatewayA: a, gatewayB: b, redis, rabbitmq },
});
// Every 250 ms (in µs); A dies at 500,000 (its figure stays at its last reading).
const points = [
  point(0, 0, 0, 0, 0),
  point(250_000, 50_000, 25_000, 10_000, 20_000),
  point(500_000, 100_000, 50_000, 20_000, 40_000),
  point(750_000, 100_000, 250_000, 70_000, 60_000),
  point(1_000_000, 100_000, 300_000, 80_000, 80_000),
];

describe('cpuBetween', () => {
  it('sums the parts over the span and finds the busiest interval', () => {
    const steady = cpuBetween(points, 0, 500_000);
    expect(steady.micros).toEqual({
      gatewayA: 100_000,
      gatewayB: 50_000,
      redis: 20_000,
      rabbitmq: 40_000,
      platform: 210_000,
    });
    expect(steady.meanPercent).toBe(42);
    const recovery = cpuBetween(points, 500_000, 900_000); // rounded out to the 1,000,000 sample
    expect(recovery.micros.gatewayA).toBe(0);
    expect(recovery.micros.platform).toBe(250_000 + 60_000 + 40_000);
    expect(recovery.peakPercent.gatewayB).toBe(80);
    expect(recovery.peakPercent.platform).toBe(80 + 20 + 8);
  });

  it('gives null, not an understatement, when a part could not be read', () => {
    const gap = [...points.slice(0, 2), { at: 500_000, micros: { ...points[2]!.micros, redis: null } }];
    const figures = cpuBetween(gap, 0, 500_000);
    expect(figures.micros.redis).toBeNull();
    expect(figures.micros.platform).toBeNull();
    expect(figures.meanPercent).toBeNull();
  });
});

const row: ResumeStormRow = {
  clients: 200,
  rooms: 10,
  rate: 200,
  lost: 0,
  duplicated: 0,
  resumed: 150,
  newSession: 50,
  discontinuities: 0,
  caughtUp: 199,
  catchUpP50Ms: 820,
  catchUpP99Ms: 2400,
  catchUpMaxMs: 2600,
  reconnectP50Ms: 300,
  reconnectMaxMs: 1900,
  published: 1654,
  publishFailures: 1,
  publishFailureSamples: ['E_TIMEOUT: no ack'],
  steadyCpu: cpuBetween(points, 0, 500_000),
  recoveryCpu: cpuBetween(points, 500_000, 1_000_000),
};

describe('formatResumeStorm', () => {
  it('prints one line per row, why the row failed, and why publishes failed', () => {
    const text = formatResumeStorm(
      [
        { server: 'relaybox2', label: 'RelayBox (2 nodes, AMQP)', result: row },
        { server: 'relaybox2', label: 'second', error: 'connect: 3 of 200 clients failed' },
      ],
      30_000,
    );
    const lines = text.split('\n');
    expect(lines[2]).toMatch(
      /^RelayBox \(2 nodes, AMQP\)\s+200\s+10\s+200\s+1,654 \(1 failed\)\s+0\s+0\s+150\s+50\s+0\s+199 of 200\s+820\s+2,400\s+2,600\s+300\/1,900\s+42\s+70\s+250\/60\/40\s+1,750\s+80\/20\/8\s+n\/a$/,
    );
    expect(lines[3]).toBe('second  ERROR connect: 3 of 200 clients failed');
    expect(lines[4]).toBe(
      '  FAILED: RelayBox (2 nodes, AMQP): 1 of 200 clients not caught up within 30 s of the kill',
    );
    expect(lines[5]).toContain('E_TIMEOUT: no ack');
  });
});
