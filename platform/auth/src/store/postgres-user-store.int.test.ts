import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeUserStoreConformance } from '../testing/user-store-conformance.js';
import { SESSION_KEEP_MS } from './memory-user-store.js';
import { PostgresUserStore } from './postgres-user-store.js';

const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const name = `auth_test_${randomBytes(6).toString('hex')}`;
const url = `postgres://postgres@127.0.0.1:5432/${name}`;

async function admin(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  await admin(`CREATE DATABASE ${name}`);
  const store = new PostgresUserStore({ connectionString: url });
  await store.ensureSchema();
  await store.close();
});
afterAll(async () => {
  await new Promise((resolve) => setTimeout(resolve, 300));
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
});

describeUserStoreConformance('PostgresUserStore', () => ({
  createStore: () => new PostgresUserStore({ connectionString: url, max: 3 }),
  dispose: async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('TRUNCATE auth_users, auth_sessions');
    await client.end();
  },
}));

describe('PostgresUserStore session purge', () => {
  it('deletes the rows of sessions whose storage ended, periodically, and keeps the others', async () => {
    const NOW = 1_900_000_000_000;
    const writer = new PostgresUserStore({ connectionString: url, max: 2 });
    const session = (id: string, expiresAt: number) => ({
      id,
      appId: 'purge-app',
      userId: 'u',
      refreshHash: 'h',
      generation: 0,
      revoked: false,
      createdAt: 0,
      expiresAt,
    });
    for (let i = 0; i < 7; i++) await writer.createSession(session(`ended-${i}`, NOW - SESSION_KEEP_MS - 1));
    await writer.createSession(session('recent', NOW - 1));
    const purging = new PostgresUserStore({
      connectionString: url,
      max: 2,
      purge: { intervalMs: 1000, batchSize: 3, clock: () => NOW },
    });
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    const count = async () => {
      const { rows } = await pool.query(
        "SELECT id FROM auth_sessions WHERE app_id = 'purge-app' ORDER BY id",
      );
      return rows.map((r) => r.id as string);
    };
    const deadline = Date.now() + 8000;
    while ((await count()).length > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await count()).toEqual(['recent']);
    await Promise.all([writer.close(), purging.close(), pool.end()]);
  }, 15_000);
});
