import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testName } from '@relaybox/core/testing';
import { connect as connectAmqp } from 'amqplib';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { SCENARIOS } from './cli-options.js';
import type { CreatedNames } from './cluster-pool.js';
import { repoRoot } from './paths.js';
import type { RowOutcome } from './report.js';
import type { IdleRow } from './scenarios/idle-scenario.js';
import type { TrafficRow } from './scenarios/traffic-result.js';
import { AMQP_URL, REDIS_URL } from './server-specs.js';
import type { ConnectionStormRow } from './storm/connection-storm.js';
import type { ResumeStormRow } from './storm/resume-storm.js';

/**
 * CI's use of the bench: `pnpm bench --quick` runs every row of every scenario at a tiny size, and
 * each must complete with nothing lost and nothing duplicated. No latency or CPU figure is looked
 * at (speed is the bench's to print, not a test's to assert). It also checks the run left nothing
 * behind: no process of its process group, no Redis key under its run id, no exchange it declared.
 */
interface QuickJson {
  problems: string[];
  created: CreatedNames;
  results: Record<string, RowOutcome<unknown>[]>;
}

const TRAFFIC = ['chat', 'broadcast', 'hot', 'tracing'];
const dir = mkdtempSync(join(tmpdir(), 'bench-quick-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the quick bench as its own process group; resolves with its exit code and output tail. */
function runQuick(
  runId: string,
  jsonPath: string,
): Promise<{ code: number | null; pgid: number; tail: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'platform/bench/src/run.ts', '--quick', '--run-id', runId, '--json', jsonPath],
      { cwd: repoRoot, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-6000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    // The bench bounds every phase; this only guards against a hang of the bench itself.
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 270_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, pgid: child.pid!, tail: output });
    });
  });
}

/** Whether any process of the group is left, allowing 5 s for killed children to be reaped. */
async function groupAlive(pgid: number): Promise<boolean> {
  for (const deadline = Date.now() + 5000; ; ) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return false;
    }
    if (Date.now() > deadline) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function keysUnder(pattern: string): Promise<string[]> {
  const redis = new Redis(REDIS_URL);
  try {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      found.push(...keys);
      cursor = next;
    } while (cursor !== '0');
    return found;
  } finally {
    redis.disconnect();
  }
}

async function exchangeExists(name: string): Promise<boolean> {
  const connection = await connectAmqp(AMQP_URL);
  try {
    const channel = await connection.createChannel();
    channel.on('error', () => {}); // a 404 closes the channel; the rejection below says it
    return await channel.checkExchange(name).then(
      () => true,
      () => false,
    );
  } finally {
    await connection.close();
  }
}

describe('pnpm bench --quick', () => {
  it('completes every row of every scenario with 0 lost and 0 duplicated, and leaves nothing behind', async () => {
    const runId = testName('benchq');
    const jsonPath = join(dir, `${runId}.json`);
    const { code, pgid, tail } = await runQuick(runId, jsonPath);
    expect(code, tail).toBe(0);
    const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as QuickJson;
    expect(json.problems).toEqual([]);

    for (const scenario of SCENARIOS) {
      const rows = json.results[scenario];
      expect(rows?.length, scenario).toBeGreaterThan(0);
      for (const row of rows!) {
        const where = `${scenario} ${row.label}`;
        expect(row.error, where).toBeUndefined();
        if (TRAFFIC.includes(scenario)) {
          const r = row.result as TrafficRow;
          expect(r.expectedDeliveries, where).toBeGreaterThan(0);
          expect(r.lost, where).toBe(0);
          expect(r.outOfOrder, where).toBe(0);
        } else if (scenario === 'idle') {
          for (const level of (row.result as IdleRow).levels)
            expect(level.connected, where).toBe(level.target);
        } else if (scenario === 'connect') {
          const r = row.result as ConnectionStormRow;
          expect(r.connected, where).toBe(r.clients);
        } else {
          const r = row.result as ResumeStormRow;
          expect(r.published, where).toBeGreaterThan(0);
          expect(r.lost, where).toBe(0);
          expect(r.duplicated, where).toBe(0);
          expect(r.caughtUp, where).toBe(r.clients);
          expect(r.resumed + r.newSession, where).toBe(r.clients);
        }
      }
    }

    expect(await groupAlive(pgid)).toBe(false);
    expect(json.created.redisPrefixes.length).toBeGreaterThan(0);
    for (const prefix of json.created.redisPrefixes) expect(prefix.startsWith(`bench:${runId}-`)).toBe(true);
    expect(await keysUnder(`bench:${runId}-*`)).toEqual([]);
    expect(json.created.amqpExchanges.length).toBeGreaterThan(0);
    for (const exchange of json.created.amqpExchanges)
      expect(await exchangeExists(exchange), exchange).toBe(false);
  }, 300_000);
});
