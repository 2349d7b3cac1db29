import { MemoryConnectionQuota, MemoryPresenceStore, MemorySessionStore } from '@relaybox/adapters';
import { describe, expect, it } from 'vitest';
import { processSessionsJob } from './processor.js';
import { sessionsQueue, sweepJobId } from './queue.js';

const job = {
  id: 'sweep-1',
  queue: sessionsQueue.name,
  data: { v: 1, kind: 'sweep-dead-gateways' } as const,
  attempt: 1,
  maxAttempts: 1,
  enqueuedAt: 0,
};

describe('sessions queue: sweep of dead gateways', () => {
  it('removes every member and session of a gateway whose heartbeat expired, and only those', async () => {
    let now = 1_000_000;
    const clock = () => now;
    const sessions = new MemorySessionStore({ clock });
    const presenceStore = new MemoryPresenceStore({ clock });
    const leaves: string[] = [];
    const presence = {
      gateways: () => presenceStore.gateways(),
      removeGateway: async (id: string) => {
        const removed = await presenceStore.removeGateway(id);
        leaves.push(...removed.map((r) => r.member.connectionId));
        return removed.length;
      },
    };
    await sessions.heartbeat('dead', 1000);
    await sessions.heartbeat('alive', 60_000);
    for (let i = 0; i < 1200; i++) {
      const gatewayId = i % 2 ? 'dead' : 'alive';
      const connectionId = `c${i}`;
      await sessions.create(
        { connectionId, appId: 'a', clientId: `u${i}`, gatewayId, rooms: {}, createdAt: now },
        's',
      );
      await presenceStore.enter('a', 'room', { clientId: `u${i}`, connectionId, data: null }, gatewayId);
    }
    now += 2000; // 'dead' missed its heartbeat
    await processSessionsJob(job, { sessions, presence, resumeWindowMs: 0, log: () => {} });
    expect(leaves).toHaveLength(600);
    expect(leaves.every((id) => Number(id.slice(1)) % 2 === 1)).toBe(true);
    expect(await presenceStore.count('a', 'room')).toBe(600);
    expect(await sessions.get('c1')).toBeUndefined();
    expect(await sessions.get('c0')).toMatchObject({ gatewayId: 'alive', state: 'attached' });
    await processSessionsJob(job, { sessions, presence, resumeWindowMs: 0, log: () => {} }); // idempotent
    expect(leaves).toHaveLength(600);
  });

  it("drops a dead gateway's connection reservations, and only those", async () => {
    let now = 1_000_000;
    const sessions = new MemorySessionStore({ clock: () => now });
    const connections = new MemoryConnectionQuota();
    const presence = { gateways: async () => [], removeGateway: async () => 0 };
    await sessions.heartbeat('dead', 1000);
    await sessions.heartbeat('alive', 60_000);
    for (let i = 0; i < 3; i++) await connections.reserve('a', 'dead', 10);
    await connections.reserve('a', 'alive', 10);
    // Reserved but never beat (crashed between its reservation and its first heartbeat).
    await connections.reserve('b', 'silent', 10);
    now += 2000;
    await processSessionsJob(job, { sessions, presence, connections, resumeWindowMs: 0, log: () => {} });
    expect(await connections.count('a')).toBe(1);
    expect(await connections.count('b')).toBe(0);
    expect(await connections.gateways()).toEqual(['alive']);
  });

  it('gives one job id per period, so gateways enqueueing together run one sweep', () => {
    expect(sweepJobId(10_000, 5000)).toBe(sweepJobId(14_999, 5000));
    expect(sweepJobId(15_000, 5000)).not.toBe(sweepJobId(14_999, 5000));
  });
});
