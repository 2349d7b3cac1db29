import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RunningGateway } from '../src/start-gateway.js';
import {
  ALPHA_FULL,
  apiKeyOf,
  BETA,
  refusedUpgrade,
  startTestGateway,
  TestClient,
  uniqueName,
  wsUrl,
} from './harness.js';

// Issue 11.6 / 12.6: the per-app connection limit is a cluster-wide reservation made before the
// upgrade is accepted, so concurrent upgrades on several gateways cannot overrun it.

const running: RunningGateway[] = [];
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await Promise.all(running.splice(0).map((g) => g.shutdown()));
});

async function twoGateways(maxConnectionsPerApp: number): Promise<RunningGateway[]> {
  const redisPrefix = `${uniqueName('test')}:`;
  const exchange = uniqueName('test.quota');
  const gws: RunningGateway[] = [];
  for (let i = 0; i < 2; i++) {
    const gw = await startTestGateway({
      store: 'redis',
      broker: 'amqp',
      exchange,
      redisPrefix,
      limits: { maxConnectionsPerApp },
    });
    running.push(gw);
    gws.push(gw);
  }
  return gws;
}

type Outcome = { accepted: true; ws: WebSocket } | { accepted: false; status: number; code: string };

/** One upgrade with an API key; resolves whether it was accepted or how it was refused. */
function upgrade(url: string, apiKey: string): Promise<Outcome> {
  const protocols = ['relaybox.v1', `relaybox.apikey.${Buffer.from(apiKey).toString('base64url')}`];
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols);
    sockets.push(ws);
    ws.once('open', () => resolve({ accepted: true, ws }));
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      res.on('end', () => {
        const body = JSON.parse(text) as { error: { code: string } };
        resolve({ accepted: false, status: res.statusCode ?? 0, code: body.error.code });
      });
    });
    ws.once('error', (error) => reject(error));
  });
}

describe('per-app connection limit across gateways', () => {
  it('maxConnectionsPerApp=5: 40 parallel upgrades over 2 gateways, exactly 5 accepted', async () => {
    const gws = await twoGateways(5);
    const key = apiKeyOf(ALPHA_FULL);
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, (_, i) => upgrade(wsUrl(gws[i % 2]!), key)),
    );
    const accepted = outcomes.filter((o) => o.accepted);
    const refused = outcomes.filter((o): o is Extract<Outcome, { accepted: false }> => !o.accepted);
    expect(accepted).toHaveLength(5);
    expect(refused).toHaveLength(35);
    for (const r of refused) expect(r).toMatchObject({ status: 429, code: 'app_connection_limit' });
    // Another app has its own count.
    const beta = await TestClient.connect(wsUrl(gws[0]!), { apiKey: apiKeyOf(BETA) });
    sockets.push(beta.ws);
    // A closed connection gives its slot back, to any gateway.
    const first = accepted[0] as Extract<Outcome, { accepted: true }>;
    const closed = new Promise((resolve) => first.ws.once('close', resolve));
    first.ws.close(1000);
    await closed;
    const deadline = Date.now() + 5000;
    let again = await upgrade(wsUrl(gws[1]!), key);
    while (!again.accepted && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      again = await upgrade(wsUrl(gws[1]!), key);
    }
    expect(again.accepted).toBe(true);
    const over = await refusedUpgrade(wsUrl(gws[0]!), { apiKey: key });
    expect(over).toMatchObject({ status: 429, body: { error: { code: 'app_connection_limit' } } });
  });

  it('a gateway that shuts down gives its slots back', async () => {
    const gws = await twoGateways(2);
    const key = apiKeyOf(ALPHA_FULL);
    expect((await upgrade(wsUrl(gws[0]!), key)).accepted).toBe(true);
    expect((await upgrade(wsUrl(gws[0]!), key)).accepted).toBe(true);
    expect(await upgrade(wsUrl(gws[1]!), key)).toMatchObject({
      accepted: false,
      code: 'app_connection_limit',
    });
    await gws[0]!.shutdown();
    expect((await upgrade(wsUrl(gws[1]!), key)).accepted).toBe(true);
    expect((await upgrade(wsUrl(gws[1]!), key)).accepted).toBe(true);
  });
});
