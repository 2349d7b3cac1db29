import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RelayBox } from '@relaybox/client';
import type { FaultRecord, VerifyReport } from '@relaybox/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import {
  freePort,
  NodeWebSocket,
  runCliToExit,
  spawnCli,
  tempDir,
  uniqueName,
  waitUntil,
} from './cli-process.js';

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

  it('relaybox fault client.slow <connectionId> --read-rate: the client reads nothing until healed', {
    timeout: 60_000,
  }, async () => {
    const cwd = tempDir();
    const port = await freePort();
    const devApiKey = `dev.default:${uniqueName('secret-of-this-test')}`;
    const cli = spawnCli(['up', '--port', String(port)], cwd, { RELAYBOX_DEV_API_KEY: devApiKey });
    cleanups.push(() => cli.proc.kill('SIGKILL'));
    await cli.waitFor(/RelayBox is up \(embedded engine\)/);
    const connect = async (clientId: string) => {
      const relay = new RelayBox({
        url: `ws://127.0.0.1:${port}/v1/ws`,
        apiKey: devApiKey,
        clientId,
        WebSocket: NodeWebSocket as never,
      });
      cleanups.push(() => relay.close());
      await relay.connect();
      return relay;
    };
    const room = 'chat:slow-cli';
    const [slow, fast] = [await connect('slow'), await connect('fast')];
    const got = { slow: [] as unknown[], fast: [] as unknown[] };
    (await slow.join(room)).subscribe('m', (m) => got.slow.push(m.data));
    (await fast.join(room)).subscribe('m', (m) => got.fast.push(m.data));
    const publisher = await fast.join(room);

    const noTarget = await runCliToExit(['fault', 'client.slow', '--read-rate', '10'], cwd);
    expect(noTarget.code).toBe(1);
    expect(noTarget.output).toContain('client.slow needs "target"');
    const badRate = await runCliToExit(
      ['fault', 'client.slow', slow.connectionId!, '--read-rate', 'lots'],
      cwd,
    );
    expect(badRate.output).toContain('--read-rate must be a number');

    const injected = await runCliToExit(
      ['fault', 'client.slow', slow.connectionId!, '--read-rate', '0', '--duration', '1m'],
      cwd,
    );
    expect(injected.code, injected.output).toBe(0);
    expect(injected.output).toContain(
      `active          client.slow ${slow.connectionId} reads 0 B/s for 60000 ms`,
    );
    for (const data of ['a', 'b', 'c']) await publisher.publish('m', data);
    await waitUntil(() => got.fast.length === 3);
    expect(got.slow).toEqual([]);

    const healed = await runCliToExit(['fault', 'heal', 'all', '--json'], cwd);
    expect(healed.code, healed.output).toBe(0);
    expect(JSON.parse(healed.output) as FaultRecord[]).toMatchObject([
      { spec: { kind: 'client.slow', readBytesPerSec: 0 }, state: 'healed', endedBy: 'heal' },
    ]);
    await waitUntil(() => got.slow.length === 3);
    expect(got.slow).toEqual(['a', 'b', 'c']);
  });
});
