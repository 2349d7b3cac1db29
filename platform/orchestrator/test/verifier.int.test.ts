import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteRedisKeys, RabbitmqAdmin } from '@relaybox/adapters/testing';
import { testName } from '@relaybox/core/testing';
import { reportToMarkdown, type TraceEvent, type VerifyPlan, type VerifyReport } from '@relaybox/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon } from '../src/daemon/index.js';
import { NativeEngine, runVerify } from '../src/index.js';
import { rawRequest } from './daemon-test-client.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
}, 30_000);

async function nativeStack(env: Record<string, string> = {}) {
  const prefix = `test-verify-${randomBytes(4).toString('hex')}:`;
  const exchange = testName('test.verify');
  const engine = new NativeEngine({
    redisPrefix: prefix,
    amqpExchange: exchange,
    dataDir: mkdtempSync(join(tmpdir(), 'rb-verify-')),
    stopGraceMs: 3000,
    env,
  });
  cleanups.push(
    () => RabbitmqAdmin.deleteExchange(exchange),
    () => deleteRedisKeys(prefix),
    () => engine.down(),
  );
  const result = await engine.up({
    port: 0,
    gateways: 2,
    adminToken: `admin-${randomBytes(12).toString('hex')}`,
  });
  return { engine, ...result };
}

const WORKLOAD = { clients: 8, rooms: 2, ratePerRoom: 20, durationMs: 6000 };

describe('guarantee verifier on the native engine (2 gateways)', () => {
  let stack: Awaited<ReturnType<typeof nativeStack>>;
  beforeAll(async () => {
    stack = await nativeStack();
  }, 60_000);

  for (const plan of ['gateway-kill', 'broker-outage', 'redis-latency', 'network-flap'] as VerifyPlan[]) {
    it(`plan ${plan}: 0 lost and 0 duplicated, with its fault on the report`, {
      timeout: 120_000,
    }, async () => {
      const report = await runVerify(
        { engine: stack.engine, devApiKey: stack.devApiKey },
        { plan, ...WORKLOAD },
      );
      let summary = reportToMarkdown(report);
      if (report.verdict === 'fail') {
        const lines: string[] = [];
        for (const name of ['gateway-1', 'gateway-2'])
          (await stack.engine.logs(name, { tail: 60 }, (l) => lines.push(`${name}: ${l.line}`)))();
        summary += `\n${lines.join('\n')}`;
      }
      expect(report.gateways, summary).toBe(2);
      for (const room of report.rooms) {
        expect(room.lost, summary).toBe(0);
        expect(room.duplicated, summary).toBe(0);
        expect(room.acked, summary).toBeGreaterThan(0);
        expect(room.delivered, summary).toBe(room.expected);
        expect(room.presenceConvergedMs, summary).not.toBeNull();
      }
      expect(report.verdict).toBe('pass');
      expect(report.deliveredPerSecond.reduce((a, b) => a + b, 0)).toBe(
        report.rooms.reduce((n, r) => n + r.delivered, 0),
      );
      if (plan === 'network-flap') {
        expect(report.faults).toEqual([]);
        expect(
          report.rooms.reduce((n, r) => n + r.reconnects, 0),
          summary,
        ).toBeGreaterThan(0);
        expect(
          report.rooms.reduce((n, r) => n + r.resumes, 0),
          summary,
        ).toBeGreaterThan(0);
      } else {
        expect(
          report.faults.map((f) => f.state),
          summary,
        ).toEqual(['healed']);
      }
    });
  }
});

describe('a deliberately broken build (RELAYBOX_TEST_DROP_FANOUT_EVERY=100)', () => {
  it('the verifier reports exactly the dropped messages lost, each linked to its trace', {
    timeout: 120_000,
  }, async () => {
    const stack = await nativeStack({ RELAYBOX_TEST_DROP_FANOUT_EVERY: '100' });
    const daemon = await startDaemon({
      engine: stack.engine,
      credentials: { adminToken: stack.adminToken, devApiKey: stack.devApiKey },
    });
    cleanups.push(() => daemon.close());
    const res = await rawRequest(`${daemon.url}/api/verify`, {
      method: 'POST',
      headers: { authorization: `Bearer ${daemon.secret}` },
      body: { plan: 'none', clients: 6, rooms: 2, ratePerRoom: 50, durationMs: 5000 },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const report = res.body as VerifyReport;
    expect(report.verdict).toBe('fail');
    for (const room of report.rooms) {
      // Only this run publishes into its rooms, so seqs run 1..acked without a gap.
      const dropped = Array.from({ length: Math.floor(room.acked / 100) }, (_, i) => (i + 1) * 100);
      expect(dropped.length).toBeGreaterThan(0);
      const lost = report.lostMessages.filter((m) => m.room === room.room);
      expect(lost.map((m) => m.seq)).toEqual(dropped);
      expect(room.lost).toBe(dropped.length * 3);
      for (const m of lost) {
        expect(m.missedBy).toHaveLength(3);
        expect(m.traceUrl).toBe(
          `${stack.status.endpoints.console}/traces/${encodeURIComponent(m.messageId)}`,
        );
      }
    }
    // The linked trace exists: the message was stored and published, then never delivered.
    const first = report.lostMessages[0]!;
    const traces = await fetch(
      `${stack.status.endpoints.admin.replace('localhost', '127.0.0.1')}/traces?messageId=${encodeURIComponent(first.messageId)}`,
      { headers: { authorization: `Bearer ${stack.adminToken}` } },
    );
    const { items } = (await traces.json()) as { items: TraceEvent[] };
    expect(items.map((t) => t.type)).toContain('message.stored');
    expect(items.map((t) => t.type)).not.toContain('message.delivered');
    expect(reportToMarkdown(report)).toContain(`[trace](${first.traceUrl})`);
    const last = await rawRequest(`${daemon.url}/api/verify`, {
      headers: { authorization: `Bearer ${daemon.secret}` },
    });
    expect((last.body as { report: VerifyReport }).report.startedAt).toBe(report.startedAt);
  });
});
