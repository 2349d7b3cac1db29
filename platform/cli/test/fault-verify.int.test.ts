import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FaultRecord, VerifyReport } from '@relaybox/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, runCliToExit, spawnCli, tempDir, uniqueName } from './cli-process.js';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await Promise.resolve(cleanup()).catch(() => {});
});

describe('relaybox fault and relaybox verify (against `relaybox up`, embedded engine)', () => {
  it('refuses a fault the engine cannot inject, lists faults, and verifies with a Markdown export', {
    timeout: 90_000,
  }, async () => {
    const cwd = tempDir();
    const port = await freePort();
    const cli = spawnCli(['up', '--port', String(port)], cwd, {
      RELAYBOX_DEV_API_KEY: `dev.default:${uniqueName('secret-of-this-test')}`,
    });
    cleanups.push(() => cli.proc.kill('SIGKILL'));
    await cli.waitFor(/RelayBox is up \(embedded engine\)/);

    const kill = await runCliToExit(['fault', 'gateway.kill', 'gateway'], cwd);
    expect(kill.code).toBe(1);
    expect(kill.output).toMatch(/the embedded engine cannot inject gateway\.kill.*\[fault_unsupported\]/s);
    const bad = await runCliToExit(['fault', 'link.slow', '--latency', '-3'], cwd);
    expect(bad.output).toContain('"latencyMs" must be a number from 0');
    const list = await runCliToExit(['fault', 'list', '--json'], cwd);
    expect(JSON.parse(list.output) as FaultRecord[]).toEqual([]);

    const verify = await runCliToExit(
      [
        'verify',
        '--plan',
        'none',
        '--clients',
        '4',
        '--rooms',
        '2',
        '--rate',
        '5',
        '--duration',
        '2s',
        '--markdown',
        'v.md',
        '--out',
        'v.json',
      ],
      cwd,
    );
    expect(verify.code, verify.output).toBe(0);
    const report = JSON.parse(readFileSync(join(cwd, 'v.json'), 'utf8')) as VerifyReport;
    expect(report.verdict).toBe('pass');
    expect(report.engine).toBe('embedded');
    expect(report.rooms.every((r) => r.lost === 0 && r.acked > 0 && r.delivered === r.expected)).toBe(true);
    expect(readFileSync(join(cwd, 'v.md'), 'utf8')).toContain('# RelayBox guarantee verifier: PASS');
  });
});
