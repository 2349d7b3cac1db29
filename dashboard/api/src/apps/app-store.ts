import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { notFound } from '../lib/api-error.js';
import { randomId } from '../lib/ids.js';
import { type AppSettings, DEFAULT_APP_SETTINGS, readSettings } from './app-settings.js';

export interface App {
  id: string;
  name: string;
  createdAt: string;
  settings: AppSettings;
}

interface AppRow {
  id: string;
  name: string;
  created_at: Date;
  settings: unknown;
}

const toApp = (row: AppRow): App => ({
  id: row.id,
  name: row.name,
  createdAt: new Date(row.created_at).toISOString(),
  settings: readSettings(row.settings),
});

/** Apps of one account. Every read by id is scoped to the account: another's app is "not found". */
export class AppStore {
  constructor(private readonly db: Kysely<Database>) {}

  async list(accountId: string): Promise<App[]> {
    const rows = await this.db
      .selectFrom('apps')
      .select(['id', 'name', 'created_at', 'settings'])
      .where('account_id', '=', accountId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toApp);
  }

  async create(accountId: string, name: string): Promise<App> {
    const row = await this.db
      .insertInto('apps')
      .values({
        id: randomId(12),
        account_id: accountId,
        name,
        settings: JSON.stringify(DEFAULT_APP_SETTINGS),
      })
      .returning(['id', 'name', 'created_at', 'settings'])
      .executeTakeFirstOrThrow();
    return toApp(row);
  }

  /** The app when `accountId` owns it; throws not_found otherwise. */
  async get(accountId: string, appId: string): Promise<App> {
    const row = await this.db
      .selectFrom('apps')
      .select(['id', 'name', 'created_at', 'settings'])
      .where('id', '=', appId)
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    if (!row) throw notFound('app');
    return toApp(row);
  }

  async update(
    accountId: string,
    appId: string,
    changes: { name?: string; settings?: AppSettings },
  ): Promise<App> {
    const row = await this.db
      .updateTable('apps')
      .set({
        ...(changes.name !== undefined ? { name: changes.name } : {}),
        ...(changes.settings ? { settings: JSON.stringify(changes.settings) } : {}),
      })
      .where('id', '=', appId)
      .where('account_id', '=', accountId)
      .returning(['id', 'name', 'created_at', 'settings'])
      .executeTakeFirst();
    if (!row) throw notFound('app');
    return toApp(row);
  }

  async delete(accountId: string, appId: string): Promise<void> {
    const result = await this.db
      .deleteFrom('apps')
      .where('id', '=', appId)
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    if (result.numDeletedRows === 0n) throw notFound('app');
  }

  /** Unscoped read for the internal API. */
  async getById(appId: string): Promise<App | null> {
    const row = await this.db
      .selectFrom('apps')
      .select(['id', 'name', 'created_at', 'settings'])
      .where('id', '=', appId)
      .executeTakeFirst();
    return row ? toApp(row) : null;
  }
}
