import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeUserStoreConformance, testUser } from '../testing/user-store-conformance.js';
import { FileUserStore } from './file-user-store.js';

const NOW = 1_800_000_000_000;
const dirs: string[] = [];
const tempFile = () => {
  const dir = mkdtempSync(join(tmpdir(), 'rb-file-users-'));
  dirs.push(dir);
  return join(dir, 'data', 'auth-users.json');
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describeUserStoreConformance('FileUserStore', async () => {
  const shared = await FileUserStore.open(tempFile(), { clock: () => NOW });
  return {
    // One store stands for every gateway of the one embedded process.
    createStore: () => shared,
    dispose: async () => {},
  };
});

describe('FileUserStore across restarts', () => {
  it('a reopened file has the users, sessions and spent codes of before; the file is private', async () => {
    const file = tempFile();
    const first = await FileUserStore.open(file, { clock: () => NOW });
    const user = testUser({
      email: 'ada@example.com',
      mfa: { totpSecretSealed: 's', totpEnabled: true, recoveryCodeHashes: ['c1', 'c2'] },
    });
    await first.createUser(user);
    const session = {
      id: 's-1',
      appId: user.appId,
      userId: user.id,
      refreshHash: 'h0',
      generation: 0,
      revoked: false,
      createdAt: NOW,
      expiresAt: NOW + 60_000,
    };
    await first.createSession(session);
    const input = { appId: user.appId, sessionId: 's-1', now: NOW, nextExpiresAt: NOW + 120_000 };
    await first.rotateSession({ ...input, generation: 0, presentedHash: 'h0', nextHash: 'h1' });
    await first.consumeRecoveryCode(user.appId, user.id, 'c1', NOW + 1);
    await first.close();
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const second = await FileUserStore.open(file, { clock: () => NOW });
    expect(await second.findUserByEmail(user.appId, 'ada@example.com')).toEqual({
      ...user,
      mfa: { ...user.mfa, recoveryCodeHashes: ['c2'] },
      updatedAt: NOW + 1,
    });
    expect(await second.consumeRecoveryCode(user.appId, user.id, 'c1', NOW + 2)).toBe(false);
    expect(await second.createUser(testUser({ email: 'ada@example.com' }))).toBe(false);
    // Reuse detection remembers the generations before the restart.
    const reused = await second.rotateSession({
      ...input,
      generation: 0,
      presentedHash: 'h0',
      nextHash: 'hx',
    });
    expect(reused.status).toBe('reused');
    await second.close();
    const third = await FileUserStore.open(file, { clock: () => NOW });
    expect((await third.getSession(user.appId, 's-1'))?.revoked).toBe(true);
    expect((await third.listSessions(user.appId, user.id, NOW)).map((s) => s.generation)).toEqual([1]);
  });

  it('keeps every change of a burst of parallel sign-ups', async () => {
    const file = tempFile();
    const store = await FileUserStore.open(file, { clock: () => NOW });
    const created = await Promise.all(
      Array.from({ length: 50 }, (_, i) => store.createUser(testUser({ id: `b${i}`, createdAt: NOW + i }))),
    );
    expect(created.every(Boolean)).toBe(true);
    const reopened = await FileUserStore.open(file, { clock: () => NOW });
    expect((await reopened.listUsers('app-1', { limit: 100 })).items.map((u) => u.id)).toEqual(
      Array.from({ length: 50 }, (_, i) => `b${i}`),
    );
  });

  it('refuses a file that is not a user store, saying what to do', async () => {
    const file = tempFile();
    const store = await FileUserStore.open(file);
    await store.createUser(testUser());
    writeFileSync(file, '{"users": [}');
    await expect(FileUserStore.open(file)).rejects.toThrow(/is not valid JSON .*move it away/);
    writeFileSync(
      file,
      JSON.stringify({ format: 'relaybox-auth-users', version: 99, users: [], sessions: [] }),
    );
    await expect(FileUserStore.open(file)).rejects.toThrow(/not a RelayBox user store of version 1/);
    expect(readFileSync(file, 'utf8')).toContain('"version":99');
  });

  it('answers store_unavailable when the file cannot be written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rb-file-users-'));
    dirs.push(dir);
    const store = await FileUserStore.open(join(dir, 'data', 'auth-users.json'));
    // A regular file where the data dir should be: the write cannot create it.
    writeFileSync(join(dir, 'data'), '');
    await expect(store.createUser(testUser())).rejects.toMatchObject({ code: 'store_unavailable' });
  });
});
