import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { describeUserStoreConformance } from '../testing/user-store-conformance.js';
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
