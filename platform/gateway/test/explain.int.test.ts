import type { AdminExplanation } from '@relaybox/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../src/start-gateway.js';
import { eventually, http } from './admin-client.js';
import {
  ALPHA_FULL,
  ALPHA_LIMITED,
  refusedUpgrade,
  startTestGateway,
  TestClient,
  uniqueName,
  wsUrl,
} from './harness.js';
import { mintToken } from './tokens.js';

// The permission explainer (`POST /v1/admin/explain`) against a real gateway: pasted tokens,
// live connections, refused upgrades and denied requests taken from the trace log.
const TOKEN = 'explain-admin-token-0000001';
let gw: RunningGateway;

beforeAll(async () => {
  gw = await startTestGateway({ env: { RELAYBOX_ADMIN_TOKEN: TOKEN, RELAYBOX_TRACING: 'on' } });
});
afterAll(() => gw.shutdown());

const explain = (body: unknown) =>
  http(gw.port, '/v1/admin/explain', { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body });
const traces = async (): Promise<
  Array<{ id: string; type: string; room?: string; detail?: Record<string, unknown> }>
> =>
  (await http(gw.port, '/v1/admin/traces?limit=1000', { headers: { authorization: `Bearer ${TOKEN}` } })).body
    .items;

describe('permission explainer', () => {
  it('for a token narrower than its key, names the token’s pattern as the decider; never echoes a secret', async () => {
    const token = await mintToken({
      ...ALPHA_LIMITED,
      clientId: 'ann',
      permissions: { 'chat:*': ['subscribe'] },
    });
    const res = await explain({ token, room: 'chat:lobby', operation: 'publish' });
    expect(res.status).toBe(200);
    const e = res.body as AdminExplanation;
    expect(e).toMatchObject({
      source: 'token',
      appId: 'alpha',
      keyId: 'limited',
      clientId: 'ann',
      via: 'token',
    });
    expect(e.claims).toMatchObject({
      verified: true,
      values: { sub: 'ann', permissions: { 'chat:*': ['subscribe'] } },
    });
    expect(e.checks?.every((c) => c.outcome === 'passed')).toBe(true);
    expect(e.layers?.map((l) => l.name)).toEqual(['key', 'token']);
    // The key allows publishing on chat:* rooms; the token does not: the token decided.
    expect(e.decision).toMatchObject({
      allowed: false,
      decidedBy: { layer: 'token', pattern: 'chat:*' },
    });
    expect(e.decision?.layers).toEqual([
      { layer: 'key', allowed: true, grantedBy: 'chat:*', matching: ['chat:*'] },
      { layer: 'token', allowed: false, matching: ['chat:*'] },
    ]);
    const subscribe = e.room?.find((d) => d.operation === 'subscribe');
    expect(subscribe).toMatchObject({ allowed: true, decidedBy: { layer: 'token', pattern: 'chat:*' } });
    // Where the key is narrower (no presence on chat rooms), the key decides.
    expect(e.room?.find((d) => d.operation === 'presence')?.decidedBy).toEqual({
      layer: 'key',
      pattern: 'chat:*',
    });
    const text = JSON.stringify(res.body);
    expect(text).not.toContain(token.split('.')[2]);
    expect(text).not.toContain(ALPHA_LIMITED.secret);
  });

  it('names the failed check of a bad token, with its claims marked unverified', async () => {
    const forged = await mintToken({ ...ALPHA_FULL, secret: 'not-the-key-secret-at-all', clientId: 'eve' });
    const e = (await explain({ token: forged })).body as AdminExplanation;
    expect(e.failed).toMatchObject({
      check: 'signature',
      outcome: 'failed',
      code: 'token_signature_invalid',
    });
    expect(e.checks?.map((c) => `${c.check}:${c.outcome}`)).toEqual([
      'token format:passed',
      'key:passed',
      'signature:failed',
      'expiry:not_reached',
      'claims:not_reached',
    ]);
    expect(e.claims).toMatchObject({ verified: false, values: { sub: 'eve' } });
    expect(e.layers).toBeUndefined();
  });

  it('for a refused upgrade from the feed, names the failed check', async () => {
    const expired = await mintToken({ ...ALPHA_FULL, clientId: 'late', expiresIn: -120 });
    const refused = await refusedUpgrade(wsUrl(gw), { token: expired });
    expect(refused.body.error.code).toBe('token_expired');
    const event = (
      await eventually(traces, (items) =>
        items.some((t) => t.type === 'auth.failed' && t.detail?.code === 'token_expired'),
      )
    ).find((t) => t.type === 'auth.failed' && t.detail?.code === 'token_expired');
    expect(event?.detail).toMatchObject({ check: 'expiry', kid: 'alpha.full' });
    const e = (await explain({ traceId: event?.id })).body as AdminExplanation;
    expect(e).toMatchObject({ source: 'refusal', appId: 'alpha', keyId: 'full' });
    expect(e.failed).toMatchObject({ check: 'expiry', code: 'token_expired', message: 'token has expired' });
    const outcomes = Object.fromEntries(e.checks?.map((c) => [c.check, c.outcome]) ?? []);
    expect(outcomes).toMatchObject({
      key: 'passed',
      signature: 'passed',
      expiry: 'failed',
      origin: 'not_reached',
    });
  });

  it('explains a live connection and each permission.denied in the feed', async () => {
    const token = await mintToken({
      ...ALPHA_FULL,
      clientId: 'bob',
      permissions: { 'news:>': ['subscribe'] },
    });
    const client = await TestClient.connect(wsUrl(gw), { token });
    try {
      const room = `news:${uniqueName('x')}`;
      await client.ok({ type: 'join', room });
      const refused = await client.request({ type: 'publish', room, event: 'm', data: 1 });
      expect(refused).toMatchObject({ type: 'error', error: { code: 'permission_denied' } });

      const { connectionId } = client.resumeOffer;
      const live = await eventually(
        () => explain({ connectionId, room, operation: 'publish' }),
        (res) => res.status === 200,
      );
      expect(live.body).toMatchObject({
        source: 'connection',
        clientId: 'bob',
        keyId: 'full',
        decision: { allowed: false, decidedBy: { layer: 'token', pattern: 'news:>' } },
      });

      const denial = (
        await eventually(traces, (items) =>
          items.some((t) => t.type === 'permission.denied' && t.room === room),
        )
      ).find((t) => t.type === 'permission.denied' && t.room === room);
      expect(denial?.detail).toMatchObject({ operation: 'publish' });
      const e = (await explain({ traceId: denial?.id })).body as AdminExplanation;
      expect(e).toMatchObject({
        source: 'denial',
        clientId: 'bob',
        decision: { operation: 'publish', allowed: false, decidedBy: { layer: 'token', pattern: 'news:>' } },
      });
    } finally {
      await client.close();
    }
  });

  it('refuses bad requests with a code', async () => {
    expect((await explain({})).body.error.code).toBe('invalid_request');
    expect((await explain({ token: 'a.b.c', connectionId: 'x' })).body.error.code).toBe('invalid_request');
    expect((await explain({ connectionId: 'x', operation: 'fly' })).body.error.code).toBe('invalid_request');
    expect((await explain({ connectionId: 'no-such-connection' })).status).toBe(404);
    expect((await explain({ traceId: 'no-such-trace' })).status).toBe(404);
    expect((await explain({ token: 'x'.repeat(20_000) })).body.error.code).toBe('invalid_request');
    const unauth = await http(gw.port, '/v1/admin/explain', { method: 'POST', body: {} });
    expect(unauth.status).toBe(401);
  });
});
