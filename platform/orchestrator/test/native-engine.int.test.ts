import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteRedisKeys, RabbitmqAdmin } from '@relaybox/adapters/testing';
import { testName } from '@relaybox/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type LogEvent, NativeEngine, OrchestratorError, type StackEvent } from '../src/index.js';

const engines: NativeEngine[] = [];
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.allSettled(engines.splice(0).map((e) => e.down()));
  await Promise.allSettled(cleanups.splice(0).map((c) => c()));
});

function nativeEngine(): NativeEngine {
  const id = randomBytes(4).toString('hex');
  const prefix = `test-native-${id}:`;
  const exchange = testName('test.native');
  const engine = new NativeEngine({
    redisPrefix: prefix,
    amqpExchange: exchange,
    dataDir: mkdtempSync(join(tmpdir(), 'rb-native-')),
    stopGraceMs: 3000,
  });
  engines.push(engine);
  cleanups.push(
    () => deleteRedisKeys(prefix),
    () => RabbitmqAdmin.deleteExchange(exchange),
  );
  return engine;
}

const names = async (engine: NativeEngine) =>
  (await engine.status()).services.map((s) => `${s.name}:${s.state}`);

async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('NativeEngine', () => {
  it('scales gateways at runtime, stops/starts a service, follows logs, and down is idempotent', {
    timeout: 120_000,
  }, async () => {
    const engine = nativeEngine();
    const events: StackEvent[] = [];
    engine.onEvent((event) => events.push(event));
    const result = await engine.up({ port: 0, gateways: 1, adminToken: 'admin-token-of-this-test' });
    expect(result.adminToken).toBe('admin-token-of-this-test');
    expect(result.devApiKey).toMatch(/^dev\.default:/);
    expect(await names(engine)).toEqual(['proxy:healthy', 'worker:running', 'gateway-1:healthy']);
    expect(events.some((e) => e.type === 'progress')).toBe(true);

    const scaled = await engine.scale('gateway', 3);
    expect(scaled.services.filter((s) => s.service === 'gateway').map((s) => s.state)).toEqual([
      'healthy',
      'healthy',
      'healthy',
    ]);
    const health = await fetch(`${result.status.endpoints.origin}/v1/health`);
    expect(health.status).toBe(200);
    await engine.scale('gateway', 1);
    expect(await names(engine)).toEqual(['proxy:healthy', 'worker:running', 'gateway-1:healthy']);

    await engine.stopService('worker');
    expect((await engine.status()).state).toBe('degraded');
    expect(await names(engine)).toContain('worker:stopped');
    const followed: LogEvent[] = [];
    const stop = await engine.logs('worker', { follow: true, tail: 0 }, (line) => followed.push(line));
    await engine.startService('worker');
    await eventually(() => followed.some((l) => /RelayBox worker worker processing/.test(l.line)));
    stop();
    expect((await engine.status()).state).toBe('running');

    await expect(engine.stopService('nginx')).rejects.toMatchObject({ code: 'service_not_found' });
    await expect(engine.scale('gateway', 0)).rejects.toBeInstanceOf(OrchestratorError);
    await engine.down();
    await engine.down();
    expect((await engine.status()).state).toBe('stopped');
    const stopped = events.filter((e) => e.type === 'service' && e.status.state === 'stopped');
    expect(stopped.map((e) => (e.type === 'service' ? e.status.name : '')).sort()).toContain('gateway-1');
  });

  it('reports a crashed gateway as exited with how it ended, then restarts it', {
    timeout: 90_000,
  }, async () => {
    const engine = nativeEngine();
    await engine.up({ port: 0, gateways: 1 });
    const pid = Number(/pid (\d+)/.exec((await engine.status()).services[2]?.detail ?? '')?.[1]);
    const exited = new Promise<StackEvent>((resolve) =>
      engine.onEvent((e) => {
        if (e.type === 'service' && e.status.name === 'gateway-1' && e.status.state === 'exited') resolve(e);
      }),
    );
    process.kill(pid, 'SIGKILL');
    const event = await exited;
    expect(event.type === 'service' && event.status.detail).toBe('killed by SIGKILL');
    await eventually(async () => (await names(engine)).includes('gateway-1:healthy'));
  });
});
