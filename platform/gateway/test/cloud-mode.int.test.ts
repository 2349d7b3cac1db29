import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlPlaneDouble } from '../../adapters/src/cloud/control-plane-double.js';
import { ConfigError, loadConfig } from '../src/config.js';
import type { RunningGateway } from '../src/start-gateway.js';
import { refusedUpgrade, startTestGateway, TestClient, uniqueName, wsUrl } from './harness.js';
import { mintToken } from './tokens.js';

// Cloud-mode gateways (RELAYBOX_KEY_SOURCE=cloud) against a small real server speaking the control
// plane's internal contract, for the paths the real control plane cannot be made to take on demand
// (outage, refused stream). cloud-control-plane.int.test.ts runs the happy path against the real one.
let cp: ControlPlaneDouble;
let gws: RunningGateway[];
const KEY = { appId: 'cloudapp', keyId: 'k1', secret: 'cloud-secret-000001' };
const apiKey = (k: typeof KEY) => `${k.appId}.${k.keyId}:${k.secret}`;

beforeAll(async () => {
  cp = await new ControlPlaneDouble().start();
  gws = await Promise.all(
    [0, 1].map(() =>
      startTestGateway({
        env: {
          RELAYBOX_KEY_SOURCE: 'cloud',
          RELAYBOX_CONTROL_PLANE_URL: cp.url,
          RELAYBOX_CONTROL_PLANE_TOKEN: cp.token,
        },
      }),
    ),
  );
  await until(() => cp.openStreams === 2, 'both gateways to open the key event stream');
});
afterAll(async () => {
  await Promise.all(gws.map((g) => g.shutdown()));
  await cp.close();
});

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function accepted(gw: RunningGateway, key: typeof KEY): Promise<boolean> {
  try {
    const c = await TestClient.connect(wsUrl(gw), { apiKey: apiKey(key) });
    await c.close();
    return true;
  } catch {
    return false;
  }
}

describe('cloud-mode gateway (control plane contract double)', () => {
  it('accepts a key of the control plane, refuses an unknown one as key_unknown', async () => {
    cp.put({ ...KEY, permissions: { '*': ['subscribe', 'publish'] } });
    for (const gw of gws) expect(await accepted(gw, KEY)).toBe(true);
    expect(await refusedUpgrade(wsUrl(gws[0]!), { apiKey: `${KEY.appId}.nope:${KEY.secret}` })).toMatchObject(
      {
        status: 401,
        body: { error: { code: 'key_unknown' } },
      },
    );
  });

  it('a pushed revocation refuses new connections on every gateway and closes open ones (4100)', async () => {
    const key = { ...KEY, keyId: uniqueName('rev') };
    cp.put({ ...key, permissions: { '*': ['subscribe', 'publish'] } });
    const open = await TestClient.connect(wsUrl(gws[1]!), { apiKey: apiKey(key) });
    const viaToken = await TestClient.connect(wsUrl(gws[0]!), {
      token: await mintToken({ ...key, clientId: 'token-user' }),
    });
    const started = Date.now();
    cp.revoke(key.appId, key.keyId);
    await until(async () => !(await accepted(gws[0]!, key)) && !(await accepted(gws[1]!, key)), 'refusal');
    console.log(
      `[cloud-mode] revocation refused new connections on both gateways after ${Date.now() - started} ms`,
    );
    expect(await open.closed).toMatchObject({ code: 4100 });
    expect(await viaToken.closed).toMatchObject({ code: 4100 });
    expect(await refusedUpgrade(wsUrl(gws[0]!), { apiKey: apiKey(key) })).toMatchObject({
      status: 401,
      body: { error: { code: 'key_unknown' } },
    });
  });

  it('when the revocation stream reconnects, connections of keys revoked meanwhile are closed', async () => {
    const key = { ...KEY, keyId: uniqueName('missed') };
    cp.put({ ...key, permissions: { '*': ['subscribe'] } });
    const open = await TestClient.connect(wsUrl(gws[0]!), { apiKey: apiKey(key) });
    const kept = await TestClient.connect(wsUrl(gws[0]!), { apiKey: apiKey(KEY) });
    cp.keys.delete(`${key.appId}.${key.keyId}`); // revoked while no event could be sent
    cp.dropStreams();
    expect(await open.closed).toMatchObject({ code: 4100 });
    await until(() => cp.openStreams === 2, 'both gateways to reconnect');
    expect(kept.ws.readyState).toBe(kept.ws.OPEN);
    await kept.close();
  });

  it('a rotation refuses the old secret and accepts the new one at once', async () => {
    const key = { ...KEY, keyId: uniqueName('rot') };
    cp.put({ ...key, permissions: { '*': ['subscribe'] } });
    expect(await accepted(gws[0]!, key)).toBe(true);
    const rotated = { ...key, secret: 'rotated-secret-000002' };
    cp.put({ ...rotated, permissions: { '*': ['subscribe'] } });
    cp.push('revoke', { appId: key.appId, keyId: key.keyId });
    await until(async () => !(await accepted(gws[0]!, key)), 'the old secret to be refused');
    expect(await refusedUpgrade(wsUrl(gws[0]!), { apiKey: apiKey(key) })).toMatchObject({
      status: 401,
      body: { error: { code: 'api_key_invalid' } },
    });
    expect(await accepted(gws[0]!, rotated)).toBe(true);
  });

  it('an unreachable control plane is a retryable 503, never "invalid key"', async () => {
    const down = new ControlPlaneDouble();
    await down.start();
    const url = down.url;
    await down.close();
    const gw = await startTestGateway({
      env: {
        RELAYBOX_KEY_SOURCE: 'cloud',
        RELAYBOX_CONTROL_PLANE_URL: url,
        RELAYBOX_CONTROL_PLANE_TOKEN: down.token,
      },
    });
    try {
      expect(await refusedUpgrade(wsUrl(gw), { apiKey: apiKey(KEY) })).toMatchObject({
        status: 503,
        body: { error: { code: 'store_unavailable' } },
      });
      const res = await fetch(`${gw.url}/v1/rooms/r/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey(KEY)}`, 'content-type': 'application/json' },
        body: JSON.stringify({ event: 'e', data: 1 }),
      });
      expect(res.status).toBe(503);
    } finally {
      await gw.shutdown();
    }
  });
});

describe('cloud-mode configuration', () => {
  it('needs the control plane URL and token, and ignores them in local mode', () => {
    const cloud = { RELAYBOX_KEY_SOURCE: 'cloud' };
    expect(() => loadConfig(cloud)).toThrow(ConfigError);
    expect(() => loadConfig({ ...cloud, RELAYBOX_CONTROL_PLANE_URL: 'ftp://x' })).toThrow(
      /CONTROL_PLANE_URL/,
    );
    expect(() =>
      loadConfig({
        ...cloud,
        RELAYBOX_CONTROL_PLANE_URL: 'http://cp:9100',
        RELAYBOX_CONTROL_PLANE_TOKEN: 'short',
      }),
    ).toThrow(/CONTROL_PLANE_TOKEN/);
    const ok = loadConfig({
      ...cloud,
      RELAYBOX_CONTROL_PLANE_URL: 'http://cp:9100',
      RELAYBOX_CONTROL_PLANE_TOKEN: 'a-long-enough-service-token',
    });
    expect(ok).toMatchObject({ keySource: 'cloud', controlPlane: { url: 'http://cp:9100' } });
    expect(loadConfig({ RELAYBOX_CONTROL_PLANE_URL: 'http://cp:9100' })).toMatchObject({
      keySource: 'local',
      controlPlane: undefined,
    });
    expect(() => loadConfig({ RELAYBOX_KEY_SOURCE: 'remote' })).toThrow(/local, cloud/);
  });
});
