import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';

export interface UsageReportItem {
  appId: string;
  /** Epoch ms of the report. */
  ts: number;
  /** New connections since the node's previous report. */
  connections: number;
  /** Messages since the node's previous report. */
  messages: number;
  /** Connections open on the node now. */
  concurrent: number;
}

export interface UsageDay {
  day: string;
  connections: number;
  messages: number;
  peakConcurrent: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/**
 * Usage kept per app, per node, per minute: counts add up within the minute, `concurrent` keeps
 * the node's highest value in it. A day's peak is the highest per-minute sum over nodes
 * (approximate: nodes report at different instants within a minute).
 */
export class UsageStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Items for apps that do not exist (deleted since) are dropped. Items of one report that fall
   * in the same app and minute are merged first, so one multi-row upsert per chunk suffices. */
  async ingest(nodeId: string, items: UsageReportItem[]): Promise<void> {
    if (items.length === 0) return;
    const appIds = [...new Set(items.map((i) => i.appId))];
    const existing = await this.db.selectFrom('apps').select('id').where('id', 'in', appIds).execute();
    const known = new Set(existing.map((r) => r.id));
    const merged = new Map<
      string,
      {
        app_id: string;
        node_id: string;
        minute: Date;
        connections: number;
        messages: number;
        concurrent: number;
      }
    >();
    for (const item of items) {
      if (!known.has(item.appId)) continue;
      const minute = Math.floor(item.ts / MINUTE_MS) * MINUTE_MS;
      const key = `${item.appId}\u0000${minute}`;
      const row = merged.get(key);
      if (row) {
        row.connections += item.connections;
        row.messages += item.messages;
        row.concurrent = Math.max(row.concurrent, item.concurrent);
      } else {
        merged.set(key, {
          app_id: item.appId,
          node_id: nodeId,
          minute: new Date(minute),
          connections: item.connections,
          messages: item.messages,
          concurrent: item.concurrent,
        });
      }
    }
    const rows = [...merged.values()];
    for (let i = 0; i < rows.length; i += 1000) {
      await this.db
        .insertInto('usage_minutes')
        .values(rows.slice(i, i + 1000))
        .onConflict((oc) =>
          oc.columns(['app_id', 'minute', 'node_id']).doUpdateSet({
            connections: sql`usage_minutes.connections + excluded.connections`,
            messages: sql`usage_minutes.messages + excluded.messages`,
            concurrent: sql`greatest(usage_minutes.concurrent, excluded.concurrent)`,
          }),
        )
        .execute();
    }
  }

  /** The last `days` UTC days up to today, oldest first, zero-filled. */
  async daily(appId: string, days: number, now = Date.now()): Promise<UsageDay[]> {
    const today = Math.floor(now / DAY_MS) * DAY_MS;
    const from = new Date(today - (days - 1) * DAY_MS);
    const result = await sql<{ day: string; connections: string; messages: string; peak: string }>`
      SELECT to_char(date_trunc('day', minute AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day,
             sum(c) AS connections, sum(m) AS messages, max(cc) AS peak
      FROM (
        SELECT minute, sum(connections) AS c, sum(messages) AS m, sum(concurrent) AS cc
        FROM usage_minutes WHERE app_id = ${appId} AND minute >= ${from}
        GROUP BY minute
      ) per_minute
      GROUP BY 1`.execute(this.db);
    const byDay = new Map(result.rows.map((r) => [r.day, r]));
    const out: UsageDay[] = [];
    for (let i = 0; i < days; i++) {
      const day = new Date(from.getTime() + i * DAY_MS).toISOString().slice(0, 10);
      const row = byDay.get(day);
      out.push({
        day,
        connections: Number(row?.connections ?? 0),
        messages: Number(row?.messages ?? 0),
        peakConcurrent: Number(row?.peak ?? 0),
      });
    }
    return out;
  }
}
