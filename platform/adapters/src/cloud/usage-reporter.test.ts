import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ControlPlaneDouble } from './control-plane-double.js';
import { type AppUsageTotals, UsageReporter, type UsageReporterOptions } from './usage-reporter.js';

let cp: ControlPlaneDouble;
let totals: Map<string, AppUsageTotals>;
let now = 1_000;

beforeEach(async () => {
  cp = await new ControlPlaneDouble().start();
  totals = new Map();
  now = 1_000;
});
afterEach(() => cp.close());

const set = (appId: string, connectionsOpened: number, messages: number, concurrent: number) =>
  totals.set(appId, { appId, connectionsOpened, messages, concurrent });

function reporter(options: Partial<UsageReporterOptions> = {}): UsageReporter {
  return new UsageReporter({
    url: cp.url,
    token: cp.token,
    nodeId: 'gw-1',
    read: () => totals.values(),
    now: () => now,
    requestTimeoutMs: 1000,
    ...options,
  });
}

describe('UsageReporter', () => {
  it('reports per-app deltas since the last period, skipping idle apps', async () => {
    const r = reporter();
    set('a', 3, 10, 2);
    set('b', 0, 0, 0);
    await r.report();
    now = 11_000;
    set('a', 4, 25, 1);
    await r.report();
    now = 21_000;
    set('a', 4, 25, 0);
    await r.report();
    expect(cp.usage).toEqual([
      { nodeId: 'gw-1', items: [{ appId: 'a', ts: 1_000, connections: 3, messages: 10, concurrent: 2 }] },
      { nodeId: 'gw-1', items: [{ appId: 'a', ts: 11_000, connections: 1, messages: 15, concurrent: 1 }] },
    ]);
  });

  it('keeps a failed batch and sends it with the next period', async () => {
    const r = reporter();
    cp.usageStatus = 503;
    set('a', 1, 1, 1);
    await r.report();
    expect(r.pending).toBe(1);
    cp.usageStatus = 204;
    now = 11_000;
    set('a', 2, 3, 1);
    await r.report();
    expect(r.pending).toBe(0);
    expect(cp.usage).toEqual([
      {
        nodeId: 'gw-1',
        items: [
          { appId: 'a', ts: 1_000, connections: 1, messages: 1, concurrent: 1 },
          { appId: 'a', ts: 11_000, connections: 1, messages: 2, concurrent: 1 },
        ],
      },
    ]);
  });

  it('drops a batch the control plane refuses as bad (4xx), keeps one it refuses to authorize', async () => {
    const r = reporter();
    set('a', 1, 1, 1);
    cp.usageStatus = 400;
    await r.report();
    expect(r.pending).toBe(0);
    cp.usageStatus = 401;
    set('a', 2, 2, 1);
    await r.report();
    expect(r.pending).toBe(1);
  });

  it('bounds what it keeps while the control plane is down', async () => {
    await cp.close();
    const r = reporter({ maxBufferedItems: 5 });
    for (let i = 1; i <= 4; i++) {
      for (const app of ['a', 'b', 'c']) set(app, i, i, 1);
      await r.report();
    }
    expect(r.pending).toBe(5);
    expect(r.dropped).toBe(7);
  });
});
