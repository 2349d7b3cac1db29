import { describe, expect, it } from 'vitest';
import { cpuDelta, sumCpu } from './proc-stats.js';
import { classifyProcess, readServiceCpu, servicePids } from './service-cpu.js';

const ERTS = '/usr/lib/erlang/erts-13.1.5/bin';

describe('classifyProcess', () => {
  it('finds Redis by comm or argv[0]', () => {
    expect(classifyProcess({ pid: 1, comm: 'redis-server', argv0: 'redis-server 127.0.0.1:6379' })).toBe(
      'redis',
    );
    expect(classifyProcess({ pid: 1, comm: 'redis-serv', argv0: '/usr/bin/redis-server' })).toBe('redis');
  });

  it('finds the Erlang processes of RabbitMQ under an Erlang install', () => {
    expect(classifyProcess({ pid: 2, comm: 'beam.smp', argv0: `${ERTS}/beam.smp` })).toBe('rabbitmq');
    expect(classifyProcess({ pid: 3, comm: 'epmd', argv0: `${ERTS}/epmd` })).toBe('rabbitmq');
    expect(classifyProcess({ pid: 4, comm: 'erl_child_setup', argv0: 'erl_child_setup' })).toBe('rabbitmq');
    expect(classifyProcess({ pid: 5, comm: 'inet_gethost', argv0: `${ERTS}/inet_gethost` })).toBe('rabbitmq');
  });

  it('ignores everything else, and an Erlang-named binary outside an Erlang install', () => {
    expect(classifyProcess({ pid: 6, comm: 'node', argv0: '/usr/bin/node' })).toBeNull();
    expect(classifyProcess({ pid: 7, comm: 'beam.smp', argv0: '/home/x/beam.smp' })).toBeNull();
    expect(classifyProcess({ pid: 8, comm: 'redis-cli', argv0: 'redis-cli' })).toBeNull();
  });
});

describe('servicePids', () => {
  it('groups pids by service and keeps empty lists for missing services', () => {
    expect(
      servicePids([
        { pid: 10, comm: 'redis-server', argv0: 'redis-server *:6379' },
        { pid: 11, comm: 'beam.smp', argv0: `${ERTS}/beam.smp` },
        { pid: 12, comm: 'epmd', argv0: `${ERTS}/epmd` },
        { pid: 13, comm: 'bash', argv0: '/bin/bash' },
      ]),
    ).toEqual({ redis: [10], rabbitmq: [11, 12] });
    expect(servicePids([])).toEqual({ redis: [], rabbitmq: [] });
  });
});

describe('readServiceCpu', () => {
  it('reports null for a service with no process found', () => {
    expect(readServiceCpu({ redis: [] })).toEqual({ redis: null });
    expect(readServiceCpu({})).toEqual({});
  });
});

describe('sumCpu / cpuDelta', () => {
  it('sums samples, is null when one process is gone, and subtracts window edges', () => {
    const a = { userMicros: 10, systemMicros: 5 };
    const b = { userMicros: 1, systemMicros: 2 };
    expect(sumCpu([a, b])).toEqual({ userMicros: 11, systemMicros: 7 });
    expect(sumCpu([a, null])).toBeNull();
    expect(cpuDelta(b, a)).toEqual({ userMicros: 9, systemMicros: 3 });
    expect(cpuDelta(null, a)).toBeNull();
  });
});
