import { loadLocalApps } from '@relaybox/adapters';
import type { KeyStore } from '@relaybox/core';
import type { Limits } from '@relaybox/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../src/start-gateway.js';
import { adminOf } from './admin-client.js';
import {
  ALPHA_FULL,
  apiKeyOf,
  BETA,
  refusedUpgrade,
  startTestGateway,
  TestClient,
  writeAppsFile,
  wsUrl,
} from './harness.js';
import { mintToken } from './tokens.js';

// Issue 11.3, 11.4, 11.5 and the token/admin findings: a budget on every path, each with its code.

const running: RunningGateway[] = [];
const clients: TestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await Promise.all(running.splice(0).map((g) => g.shutdown()));
});

/** A key store that counts its lookups (what an unauthenticated flood would cost the control plane). */
function countingKeys(): KeyStore & { lookups: number } {
  const local = loadLocalApps({ appsFile: writeAppsFile(), dataDir: undefined as never });
  const counting = {
    lookups: 0,
    getKey: (appId: string, keyId: string) => {
      counting.lookups++;
      return local.keys.getKey(appId, keyId);
    },
    close: () => local.keys.close(),
  };
  return counting;
}

async function gateway(limits: Partial<Limits>, extra: Parameters<typeof startTestGateway>[0] = {}) {
  const gw = await startTestGateway({ limits, ...extra });
  running.push(gw);
  return gw;
}
async function connect(gw: RunningGateway, options: Parameters<typeof TestClient.connect>[1]) {
  const client = await TestClient.connect(wsUrl(gw), options);
  clients.push(client);
  return client;
}
const full = { apiKey: apiKeyOf(ALPHA_FULL) };

async function rest(gw: RunningGateway, path: string, authorization: string | undefined, body?: unknown) {
  const res = await fetch(`${gw.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(authorization ? { authorization } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as { error?: { code: string } } };
}
const codeOf = (r: { body: { error?: { code: string } } }) => r.body.error?.code;

describe('per-connection frame budget, sized by cost', () => {
  it('a flood of 1,000-item history requests gets rate_limited; a cheap ping still has budget left after fewer', async () => {
    const gw = await gateway({
      requestCostPerSecond: 0.01,
      requestCostBurst: 100,
      maxConsecutiveBadFrames: 100,
    });
    const flooder = await connect(gw, full);
    const other = await connect(gw, full);
    await flooder.ok({ type: 'join', room: 'h' });
    const replies = await Promise.all(
      Array.from({ length: 30 }, () =>
        flooder.request({ type: 'history', room: 'h', query: { limit: 1000 } }),
      ),
    );
    const limited = replies.filter((r) => r.type === 'error' && r.error.code === 'rate_limited');
    // A 1,000-item page costs 21 of the 100 in the burst (one was spent on the join): 4 pass.
    expect(replies.filter((r) => r.type === 'ack')).toHaveLength(4);
    expect(limited).toHaveLength(26);
    // Another connection's budget is its own.
    expect((await other.request({ type: 'ping' })).type).toBe('ack');
  });

  it('every frame type draws from it: a ping flood is limited too', async () => {
    const gw = await gateway({
      requestCostPerSecond: 0.01,
      requestCostBurst: 50,
      maxConsecutiveBadFrames: 100,
    });
    const client = await connect(gw, full);
    const replies = await Promise.all(Array.from({ length: 60 }, () => client.request({ type: 'ping' })));
    expect(replies.filter((r) => r.type === 'ack')).toHaveLength(50);
    expect(replies.filter((r) => r.type === 'error' && r.error.code === 'rate_limited')).toHaveLength(10);
  });

  it('a client that keeps sending past a spent budget is closed with 4102', async () => {
    const gw = await gateway({
      requestCostPerSecond: 0.01,
      requestCostBurst: 10,
      maxConsecutiveBadFrames: 5,
    });
    const client = await connect(gw, full);
    for (let i = 0; i < 40; i++) client.send({ type: 'ping', ref: i + 1 });
    const { code, reason } = await client.closed;
    expect(code).toBe(4102);
    expect(reason).toMatch(/budget/);
    expect(client.frames.filter((f) => f.type === 'ack')).toHaveLength(10);
    expect(client.frames.filter((f) => f.type === 'error')).toHaveLength(5);
    // Its address lost a burst of new connections: reconnecting at once is refused.
    const again = await refusedUpgrade(wsUrl(gw), full);
    expect(again).toMatchObject({ status: 429, body: { error: { code: 'connection_rate_limited' } } });
  });
});

describe('REST limits', () => {
  it('per key: past the burst a key gets 429 rate_limited; another key is not affected', async () => {
    const gw = await gateway({ restRatePerSecond: 0.01, restBurst: 3 });
    const key = `Bearer ${apiKeyOf(ALPHA_FULL)}`;
    for (let i = 0; i < 3; i++) expect((await rest(gw, '/v1/rooms/r/messages', key)).status).toBe(200);
    const over = await rest(gw, '/v1/rooms/r/messages', key);
    expect(over.status).toBe(429);
    expect(codeOf(over)).toBe('rate_limited');
    expect((await rest(gw, '/v1/rooms/r/messages', `Bearer ${apiKeyOf(BETA)}`)).status).toBe(200);
  });

  it('per address: every call counts, whatever the key', async () => {
    const gw = await gateway({ restAddressRatePerSecond: 0.01, restAddressBurst: 4 });
    for (const k of [ALPHA_FULL, BETA, ALPHA_FULL, BETA]) {
      expect((await rest(gw, '/v1/rooms/r/messages', `Bearer ${apiKeyOf(k)}`)).status).toBe(200);
    }
    const over = await rest(gw, '/v1/rooms/r/messages', `Bearer ${apiKeyOf(BETA)}`);
    expect(over).toMatchObject({ status: 429, body: { error: { code: 'rate_limited' } } });
  });

  it("a client token's REST publishes share its publish rate", async () => {
    const gw = await gateway({ publishRatePerSecond: 0.01, publishBurst: 3 });
    const token = `Bearer ${await mintToken({ ...ALPHA_FULL, clientId: 'tok' })}`;
    const body = { event: 'e', data: 1 };
    for (let i = 0; i < 3; i++)
      expect((await rest(gw, '/v1/rooms/r/messages', token, body)).status).toBe(201);
    const over = await rest(gw, '/v1/rooms/r/messages', token, body);
    expect(over).toMatchObject({ status: 429, body: { error: { code: 'rate_limited' } } });
    // A new token of the same client is the same client: still limited.
    const again = `Bearer ${await mintToken({ ...ALPHA_FULL, clientId: 'tok' })}`;
    expect(codeOf(await rest(gw, '/v1/rooms/r/messages', again, body))).toBe('rate_limited');
    // The backend's API key publishes under the REST key limit, not a client's publish rate.
    expect((await rest(gw, '/v1/rooms/r/messages', `Bearer ${apiKeyOf(ALPHA_FULL)}`, body)).status).toBe(201);
  });
});

describe('unauthenticated requests are limited per address before any key lookup', () => {
  it('random key ids: after the failure burst, REST and upgrades are refused without a lookup', async () => {
    const keys = countingKeys();
    const gw = await gateway(
      { authFailureRatePerSecond: 0.01, authFailureBurst: 5 },
      { overrides: { keys } },
    );
    for (let i = 0; i < 5; i++) {
      const r = await rest(gw, '/v1/rooms/r/messages', `Bearer alpha.random${i}:secret`);
      expect(codeOf(r)).toBe('key_unknown');
    }
    expect(keys.lookups).toBe(5);
    for (let i = 0; i < 20; i++) {
      const r = await rest(gw, '/v1/rooms/r/messages', `Bearer app${i}.random${i}:secret`);
      expect(r).toMatchObject({ status: 429, body: { error: { code: 'auth_rate_limited' } } });
    }
    const upgrade = await refusedUpgrade(wsUrl(gw), { apiKey: 'alpha.random:secret' });
    expect(upgrade).toMatchObject({ status: 429, body: { error: { code: 'auth_rate_limited' } } });
    expect(keys.lookups).toBe(5);
  });

  it('a token that does not verify counts as a failure too', async () => {
    const gw = await gateway({ authFailureRatePerSecond: 0.01, authFailureBurst: 2 });
    const forged = await mintToken({ ...ALPHA_FULL, secret: 'not-the-secret', clientId: 'x' });
    for (let i = 0; i < 2; i++) {
      expect((await refusedUpgrade(wsUrl(gw), { token: forged })).body.error.code).toBe(
        'token_signature_invalid',
      );
    }
    expect((await refusedUpgrade(wsUrl(gw), { token: forged })).body.error.code).toBe('auth_rate_limited');
  });
});

describe('token lifetime', () => {
  it('an exp 100 years ahead is refused with token_lifetime_too_long (upgrade, REST and refresh)', async () => {
    const gw = await gateway({});
    const forever = await mintToken({ ...ALPHA_FULL, clientId: 'c', expiresIn: 100 * 365 * 86_400 });
    const refused = await refusedUpgrade(wsUrl(gw), { token: forever });
    expect(refused).toMatchObject({ status: 401, body: { error: { code: 'token_lifetime_too_long' } } });
    expect(codeOf(await rest(gw, '/v1/rooms/r/messages', `Bearer ${forever}`))).toBe(
      'token_lifetime_too_long',
    );
    const client = await connect(gw, { token: await mintToken({ ...ALPHA_FULL, clientId: 'c' }) });
    const refresh = await client.request({ type: 'refresh', token: forever });
    expect(refresh).toMatchObject({ error: { code: 'token_lifetime_too_long' } });
    // 24 h is the default bound; a day's token passes, a configured smaller bound refuses it.
    await connect(gw, { token: await mintToken({ ...ALPHA_FULL, clientId: 'c', expiresIn: 86_000 }) });
    const strict = await gateway({ maxTokenLifetimeSec: 3600 });
    const day = await mintToken({ ...ALPHA_FULL, clientId: 'c', expiresIn: 86_000 });
    expect((await refusedUpgrade(wsUrl(strict), { token: day })).body.error.code).toBe(
      'token_lifetime_too_long',
    );
  });
});

describe('admin publish', () => {
  it('to an app that does not exist is refused with not_found and creates no history', async () => {
    const TOKEN = 'budget-admin-token-0123456789';
    const gw = await gateway({}, { env: { RELAYBOX_ADMIN_TOKEN: TOKEN } });
    const admin = adminOf(gw.port, TOKEN);
    const res = await admin.publish({ appId: 'nosuchapp', room: 'r', event: 'e', data: 1 });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
    const detail = await admin.get('/rooms/r?appId=nosuchapp');
    expect(detail).toMatchObject({ lastSeq: 0, recent: [] });
    expect((await admin.publish({ appId: 'alpha', room: 'r', event: 'e', data: 1 })).status).toBe(201);
  });
});
