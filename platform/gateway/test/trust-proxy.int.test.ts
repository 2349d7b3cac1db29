import { API_KEY_PROTOCOL_PREFIX, PROTOCOL } from '@relaybox/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RunningGateway } from '../src/start-gateway.js';
import { startForwardingProxy } from './forwarding-proxy.js';
import { ALPHA_FULL, apiKeyOf, startTestGateway } from './harness.js';

// Per-IP connection limits behind a reverse proxy (TRUST_PROXY). Distinct clients are distinct
// loopback source addresses (127.0.0.x: Linux routes the whole 127/8 to lo).
const BURST = 3;
const CLIENTS = 100;
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function gateway(trustProxy: string | undefined): Promise<RunningGateway> {
  const gw = await startTestGateway({
    limits: { connectionRatePerSecond: 0.01, connectionBurst: BURST },
    env: trustProxy === undefined ? {} : { TRUST_PROXY: trustProxy },
  });
  cleanups.push(() => gw.shutdown());
  return gw;
}

/** The upgrade's HTTP status (101 when accepted; the socket is closed right away). */
function upgradeStatus(port: number, from: string, headers: Record<string, string> = {}): Promise<number> {
  const protocols = [
    PROTOCOL,
    API_KEY_PROTOCOL_PREFIX + Buffer.from(apiKeyOf(ALPHA_FULL)).toString('base64url'),
  ];
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/ws`, protocols, { localAddress: from, headers });
    ws.once('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    ws.once('error', (error) => reject(error));
  });
}

const clientAddress = (i: number) => `127.0.${1 + Math.floor(i / 200)}.${(i % 200) + 2}`;

async function statusesThroughProxy(gw: RunningGateway): Promise<number[]> {
  const proxy = await startForwardingProxy(gw.port);
  cleanups.push(() => proxy.close());
  const statuses: number[] = [];
  for (let i = 0; i < CLIENTS; i++) statuses.push(await upgradeStatus(proxy.port, clientAddress(i)));
  return statuses;
}

describe('TRUST_PROXY', () => {
  it(`${CLIENTS} clients through a trusted proxy each get their own per-IP budget`, async () => {
    const gw = await gateway('127.0.0.1/32');
    const statuses = await statusesThroughProxy(gw);
    expect(statuses.filter((s) => s === 101)).toHaveLength(CLIENTS);
  }, 60_000);

  it(`without TRUST_PROXY the same ${CLIENTS} clients share the proxy's budget`, async () => {
    const gw = await gateway(undefined);
    const statuses = await statusesThroughProxy(gw);
    expect(statuses.filter((s) => s === 101)).toHaveLength(BURST);
    expect(statuses.filter((s) => s === 429)).toHaveLength(CLIENTS - BURST);
  }, 60_000);

  it("ignores an untrusted peer's X-Forwarded-For", async () => {
    const gw = await gateway('127.0.0.1/32');
    const statuses: number[] = [];
    // Straight from 127.0.9.9 (not a trusted proxy), claiming a new address every time.
    for (let i = 0; i < BURST + 2; i++)
      statuses.push(await upgradeStatus(gw.port, '127.0.9.9', { 'X-Forwarded-For': `203.0.113.${i + 1}` }));
    expect(statuses).toEqual([...Array(BURST).fill(101), 429, 429]);
  });
});
