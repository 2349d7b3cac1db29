import { describe, expect, it } from 'vitest';
import { findServicePids, readServiceCpu, scanProcesses } from './service-cpu.js';

describe('on this machine', () => {
  // The test services (Redis, RabbitMQ) are required by the bar; this checks the scan finds them.
  it('scans /proc and finds the running Redis and RabbitMQ with readable CPU', () => {
    const entries = scanProcesses();
    expect(entries.some((e) => e.pid === process.pid)).toBe(true);
    const pids = findServicePids(['redis', 'rabbitmq']);
    expect(pids.redis?.length).toBeGreaterThan(0);
    expect(pids.rabbitmq?.length).toBeGreaterThan(0);
    const cpu = readServiceCpu(pids);
    expect(cpu.redis?.userMicros).toBeGreaterThan(0);
    expect(cpu.rabbitmq?.userMicros).toBeGreaterThan(0);
  });

  it('looks nothing up when a row uses no service', () => {
    expect(findServicePids([])).toEqual({});
  });
});
