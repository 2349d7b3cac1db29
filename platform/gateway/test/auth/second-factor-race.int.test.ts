import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { totpCodeAt, totpStep } from '@relaybox/auth';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/start-gateway.js';
import { startTestGateway } from '../harness.js';
import { AUTH_APP, type AuthCluster, startAuthCluster, uniqueEmail } from './live-auth-cluster.js';

// A second factor is single-use even when one code arrives many times at once: 20 parallel sign-in
// completions with one recovery code (then with one TOTP code) let exactly one through, on the
// Redis store behind two gateway processes and on the embedded engine's own store.

const PASSWORD = 'correct horse battery staple';
const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Answer {
  status: number;
  body: Record<string, unknown> & { error?: { code: string } };
}

async function post(origin: string, path: string, body: unknown, bearer?: string): Promise<Answer> {
  const res = await fetch(`${origin}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {} };
}

/**
 * Races one recovery code, then one TOTP code over `origins` (each for a user of its own: the losers
 * of a race count against the user's MFA attempt limit).
 */
async function raceSecondFactors(origins: string[], appId: string): Promise<void> {
  const at = (i: number) => origins[i % origins.length] as string;
  const path = (p: string) => `/v1/auth/${appId}/${p}`;

  /** A user with TOTP enabled: its email, TOTP secret, the step that activated it, one recovery code. */
  const mfaUser = async () => {
    const email = uniqueEmail();
    const up = await post(at(0), path('signup'), { email, password: PASSWORD });
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    const bearer = (up.body.session as { accessToken: string }).accessToken;
    const enrolled = await post(at(0), path('mfa/totp/enroll'), {}, bearer);
    const secret = new URL(enrolled.body.otpauthUri as string).searchParams.get('secret') as string;
    const step = totpStep();
    const activated = await post(
      at(0),
      path('mfa/totp/activate'),
      { code: totpCodeAt(secret, step) },
      bearer,
    );
    expect(activated.status).toBe(200);
    const [recoveryCode] = activated.body.recoveryCodes as [string];
    return { email, secret, step, recoveryCode };
  };
  const challenge = async (email: string) =>
    (await post(at(1), path('signin'), { email, password: PASSWORD })).body.mfaToken as string;
  const race = async (email: string, factor: Record<string, string>) => {
    const mfaToken = await challenge(email);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => post(at(i), path('signin/mfa'), { mfaToken, ...factor })),
    );
    const codes = answers.map((a) => (a.status === 200 ? 'ok' : a.body.error?.code));
    expect(
      codes.filter((c) => c === 'ok'),
      codes.join(','),
    ).toHaveLength(1);
    // The others were refused as a used code or by the MFA attempt limit, never anything else.
    expect(codes.every((c) => c === 'ok' || c === 'mfa_code_invalid' || c === 'auth_rate_limited')).toBe(
      true,
    );
  };

  const recovering = await mfaUser();
  await race(recovering.email, { recoveryCode: recovering.recoveryCode });
  const totp = await mfaUser();
  await race(totp.email, { code: totpCodeAt(totp.secret, totp.step + 1) });
}

describe('a second factor is single-use under parallel requests', () => {
  it('on the Redis user store behind two gateway processes', async () => {
    const cluster: AuthCluster = await startAuthCluster(2);
    cleanups.push(() => cluster.stop());
    await raceSecondFactors(
      cluster.gateways.map((g) => g.url),
      AUTH_APP,
    );
  }, 90_000);

  it("on the embedded engine's user store", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rb-auth-race-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const gw: RunningGateway = await startTestGateway({
      env: {
        RELAYBOX_CONFIG: '',
        RELAYBOX_DATA_DIR: dataDir,
        RELAYBOX_DEV_API_KEY: 'dev.default:race-dev-key-00001',
      },
    });
    cleanups.push(() => gw.shutdown());
    await raceSecondFactors([gw.url], 'dev');
  }, 60_000);
});
