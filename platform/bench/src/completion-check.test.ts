import { describe, expect, it } from 'vitest';
import { parseOptions } from './cli-options.js';
import { completionProblems } from './completion-check.js';

const traffic = (lost: number, outOfOrder = 0) => ({ lost, outOfOrder, expectedDeliveries: 100 });
const resume = { lost: 0, duplicated: 0, clients: 20, caughtUp: 20 };

describe('completionProblems', () => {
  it('is empty when every row completed with nothing lost or duplicated', () => {
    const results = {
      chat: [{ server: 'uws' as const, label: 'raw uWS', result: traffic(0) }],
      idle: [
        {
          server: 'uws' as const,
          label: 'raw uWS',
          result: { levels: [{ target: 20, connected: 20, failed: 0 }] },
        },
      ],
      connect: [{ server: 'uws' as const, label: 'raw uWS', result: { clients: 100, connected: 100 } }],
      resume: [{ server: 'relaybox2' as const, label: 'RelayBox (2 nodes)', result: resume }],
    };
    expect(completionProblems(results, 30_000)).toEqual([]);
  });

  it('names each failed row, loss, duplicate, refused connection and client not caught up', () => {
    const results = {
      chat: [
        { server: 'uws' as const, label: 'raw uWS', result: traffic(3, 1) },
        { server: 'socketio' as const, label: 'Socket.IO', error: 'start: exited' },
      ],
      connect: [{ server: 'uws' as const, label: 'raw uWS', result: { clients: 100, connected: 98 } }],
      resume: [
        { server: 'relaybox2' as const, label: 'RB2', result: { ...resume, duplicated: 2, caughtUp: 19 } },
      ],
    };
    expect(completionProblems(results, 30_000)).toEqual([
      'chat raw uWS: 3 of 100 deliveries lost',
      'chat raw uWS: 1 deliveries duplicated or out of order',
      'chat Socket.IO: ERROR start: exited',
      'connect raw uWS: 2 of 100 connections not accepted',
      'resume RB2: 2 deliveries duplicated',
      'resume RB2: 1 of 20 clients not caught up within 30 s of the kill',
    ]);
  });
});

describe('parseOptions', () => {
  it('gives --quick its tiny sizes and a random run id', () => {
    const quick = parseOptions(['--quick'])!;
    expect([quick.stormClients, quick.stormRooms, quick.stormConnections, quick.subscriberWorkers]).toEqual([
      20, 4, 100, 1,
    ]);
    expect(quick.idleLevels).toEqual([20, 40]);
    expect(quick.runId).toMatch(/^[0-9a-f]{6}$/);
    const full = parseOptions(['--storm-rooms', '10', '--run-id', 'ci-1'])!;
    expect([full.stormClients, full.stormRooms, full.stormPublishRate, full.stormCatchUpCapMs]).toEqual([
      2000, 10, 200, 30_000,
    ]);
    expect(full.runId).toBe('ci-1');
  });

  it('refuses a run id that could not name a key or an exchange, and a non-positive cap', () => {
    expect(() => parseOptions(['--run-id', 'a b*'])).toThrow(/--run-id must be 1-64 characters/);
    expect(() => parseOptions(['--storm-catch-up-cap', '0'])).toThrow(
      /--storm-catch-up-cap must be a positive number/,
    );
  });
});
