import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedEngine, type LogEvent } from '../src/index.js';

const engines: EmbeddedEngine[] = [];
afterEach(async () => {
  await Promise.allSettled(engines.splice(0).map((e) => e.down()));
});

describe('EmbeddedEngine', () => {
  it('runs the platform in this process and reports its in-process components', async () => {
    const engine = new EmbeddedEngine({ dataDir: mkdtempSync(join(tmpdir(), 'rb-embedded-')), env: {} });
    engines.push(engine);
    const result = await engine.up({ port: 0 });
    const { endpoints } = result.status;
    expect(endpoints.websocket).toBe(`${endpoints.origin.replace('http', 'ws')}/v1/ws`);
    const health = await fetch(`${endpoints.origin}/v1/health`);
    expect(health.status).toBe(200);
    expect(result.status.services.map((s) => `${s.name}:${s.state}`)).toEqual([
      'gateway:healthy',
      'broker:running',
      'store:running',
      'worker:running',
    ]);
    // Only the gateway can be acted on, and only restarted: stopping it is stopping the stack.
    expect(result.status.services.map((s) => `${s.name}:${s.actions.join('+')}`)).toEqual([
      'gateway:restart',
      'broker:',
      'store:',
      'worker:',
    ]);
    const lines: LogEvent[] = [];
    (await engine.logs('gateway', { tail: 50 }, (l) => lines.push(l)))();
    expect(lines.some((l) => l.line.includes('gateway listening'))).toBe(true);

    await engine.restartService('gateway');
    expect((await engine.status()).state).toBe('running');
    await expect(engine.scale('gateway', 2)).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(engine.stopService('redis')).rejects.toMatchObject({ code: 'service_not_found' });
    await engine.down();
    expect((await engine.status()).state).toBe('stopped');
    await expect(fetch(`${endpoints.origin}/v1/health`)).rejects.toThrow();
  });

  it('refuses several gateways and a taken port with their codes', async () => {
    const engine = new EmbeddedEngine({ dataDir: mkdtempSync(join(tmpdir(), 'rb-embedded-')), env: {} });
    engines.push(engine);
    await expect(engine.up({ port: 0, gateways: 2 })).rejects.toMatchObject({ code: 'invalid_argument' });
    const first = await engine.up({ port: 0 });
    const port = Number(new URL(first.status.endpoints.origin).port);
    const second = new EmbeddedEngine({ dataDir: mkdtempSync(join(tmpdir(), 'rb-embedded-')), env: {} });
    engines.push(second);
    await expect(second.up({ port })).rejects.toMatchObject({ code: 'port_in_use' });
    expect((await second.status()).state).toBe('stopped');
  });
});
