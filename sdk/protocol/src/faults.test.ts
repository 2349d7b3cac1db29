import { describe, expect, it } from 'vitest';
import {
  describeFault,
  FAULT_LIMITS,
  FaultSpecError,
  faultLasts,
  parseFaultSpec,
  parseSlowClientRequest,
} from './faults.js';
import { parseVerifyRequest, VERIFY_LIMITS, VerifyRequestError } from './verify-report.js';

describe('parseFaultSpec', () => {
  it('accepts every field within its bounds', () => {
    expect(
      parseFaultSpec({
        kind: 'link.slow',
        target: 'gateway-1',
        link: 'redis',
        durationMs: 5000,
        latencyMs: 200,
        jitterMs: 50,
        bandwidthBytesPerSec: 1024,
        dropRate: 0.1,
      }),
    ).toEqual({
      kind: 'link.slow',
      target: 'gateway-1',
      link: 'redis',
      durationMs: 5000,
      latencyMs: 200,
      jitterMs: 50,
      bandwidthBytesPerSec: 1024,
      dropRate: 0.1,
    });
  });

  it.each([
    [null, 'a fault is a JSON object'],
    [{ kind: 'meteor' }, '"kind" must be one of'],
    [{ kind: 'gateway.kill', target: 'a b' }, '"target"'],
    [{ kind: 'client.expire-token' }, 'needs "target"'],
    [{ kind: 'link.cut', link: 'postgres' }, '"link" must be one of'],
    [
      { kind: 'link.cut', durationMs: FAULT_LIMITS.maxDurationMs + 1 },
      '"durationMs" must be a number from 100',
    ],
    [{ kind: 'link.cut', durationMs: 50 }, '"durationMs"'],
    [{ kind: 'link.slow', latencyMs: -1 }, '"latencyMs"'],
    [{ kind: 'link.slow', dropRate: 2 }, '"dropRate"'],
    [{ kind: 'link.slow', bandwidthBytesPerSec: 1 }, '"bandwidthBytesPerSec"'],
    [{ kind: 'link.slow' }, 'needs at least one of'],
    [{ kind: 'client.slow' }, 'client.slow needs "target"'],
    [{ kind: 'client.slow', target: 'c1', readBytesPerSec: -1 }, '"readBytesPerSec" must be a number from 0'],
    [
      { kind: 'client.slow', target: 'c1', readBytesPerSec: FAULT_LIMITS.maxReadBytesPerSec + 1 },
      '"readBytesPerSec"',
    ],
    [{ kind: 'client.slow', target: 'c1', readBytesPerSec: 1.5 }, 'whole number'],
    [{ kind: 'client.slow', target: 'c1', readBytesPerSec: '10' }, '"readBytesPerSec"'],
    [{ kind: 'link.slow', latencyMs: 5, readBytesPerSec: 10 }, 'applies to client.slow only'],
  ])('refuses %j with a FaultSpecError naming the field', (input, message) => {
    expect(() => parseFaultSpec(input)).toThrow(FaultSpecError);
    expect(() => parseFaultSpec(input)).toThrow(message);
  });

  it('client.slow: a lasting fault on one connection, read rate 0 by default', () => {
    expect(parseFaultSpec({ kind: 'client.slow', target: 'c-1', readBytesPerSec: 512 })).toEqual({
      kind: 'client.slow',
      target: 'c-1',
      readBytesPerSec: 512,
    });
    expect(faultLasts('client.slow')).toBe(true);
    expect(describeFault({ kind: 'client.slow', target: 'c-1', durationMs: 3000 })).toBe(
      'client.slow c-1 reads 0 B/s for 3000 ms',
    );
  });

  it('parseSlowClientRequest: the admin body with defaults and the same bounds', () => {
    expect(parseSlowClientRequest({})).toEqual({
      readBytesPerSec: 0,
      durationMs: FAULT_LIMITS.defaultDurationMs,
    });
    expect(parseSlowClientRequest({ readBytesPerSec: 100, durationMs: 500 })).toEqual({
      readBytesPerSec: 100,
      durationMs: 500,
    });
    expect(() => parseSlowClientRequest([])).toThrow(FaultSpecError);
    expect(() => parseSlowClientRequest({ durationMs: 1 })).toThrow('"durationMs"');
  });

  it('describes a fault in one line', () => {
    expect(
      describeFault({
        kind: 'link.slow',
        target: 'gateway-1',
        link: 'amqp',
        latencyMs: 200,
        durationMs: 5000,
      }),
    ).toBe('link.slow gateway-1 amqp latency 200 ms for 5000 ms');
    expect(describeFault({ kind: 'gateway.kill', target: 'gateway-2' })).toBe('gateway.kill gateway-2');
  });
});

describe('parseVerifyRequest', () => {
  it('fills in the defaults', () => {
    expect(parseVerifyRequest({})).toEqual({ plan: 'none', ...VERIFY_LIMITS.defaults });
  });

  it.each([
    [{ plan: 'chaos-monkey' }, '"plan"'],
    [{ clients: VERIFY_LIMITS.maxClients + 1 }, '"clients"'],
    [{ rooms: 0 }, '"rooms"'],
    [{ clients: 4, rooms: 3 }, 'at least twice'],
    [{ ratePerRoom: 1.5 }, '"ratePerRoom"'],
    [{ durationMs: 100 }, '"durationMs"'],
  ])('refuses %j', (input, message) => {
    expect(() => parseVerifyRequest(input)).toThrow(VerifyRequestError);
    expect(() => parseVerifyRequest(input)).toThrow(message);
  });
});
