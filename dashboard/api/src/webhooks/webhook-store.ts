import { ErrorCode } from '@relaybox/protocol';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { ApiError, notFound } from '../lib/api-error.js';
import { randomId, randomSecret } from '../lib/ids.js';
import type { SecretBox } from '../lib/secret-box.js';

export interface WebhookInfo {
  id: string;
  url: string;
  events: string[];
  createdAt: string;
}

export interface Delivery {
  id: string;
  event: string;
  status: number | null;
  ok: boolean;
  error: string | null;
  durationMs: number;
  at: string;
}

/** The delivery log keeps this many entries per endpoint. */
export const DELIVERIES_KEPT = 100;

const webhookContext = (id: string) => `webhook:${id}`;
const parseEvents = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v) as string[];
const toInfo = (r: { id: string; url: string; events: unknown; created_at: Date }): WebhookInfo => ({
  id: r.id,
  url: r.url,
  events: parseEvents(r.events),
  createdAt: new Date(r.created_at).toISOString(),
});

/** Webhook endpoints of an app; secrets sealed with the master key. Callers check ownership. */
export class WebhookStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly box: SecretBox,
  ) {}

  async list(appId: string): Promise<WebhookInfo[]> {
    const rows = await this.db
      .selectFrom('webhook_endpoints')
      .select(['id', 'url', 'events', 'created_at'])
      .where('app_id', '=', appId)
      .orderBy('created_at')
      .execute();
    return rows.map(toInfo);
  }

  /**
   * Creates an endpoint unless the app already has `maxPerApp`. The count and the insert run in
   * one transaction holding the app's row lock, so concurrent creations cannot overshoot.
   */
  async create(
    appId: string,
    url: string,
    events: string[],
    maxPerApp: number,
  ): Promise<{ webhook: WebhookInfo; secret: string }> {
    const id = `wh_${randomId(12)}`;
    const secret = `whsec_${randomSecret()}`;
    const row = await this.db.transaction().execute(async (tx) => {
      await tx.selectFrom('apps').select('id').where('id', '=', appId).forUpdate().execute();
      const { n } = await tx
        .selectFrom('webhook_endpoints')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('app_id', '=', appId)
        .executeTakeFirstOrThrow();
      if (Number(n) >= maxPerApp) {
        throw new ApiError(
          ErrorCode.WebhookEndpointLimit,
          `an app has at most ${maxPerApp} webhook endpoints; delete one first`,
          { extra: { limit: maxPerApp } },
        );
      }
      return tx
        .insertInto('webhook_endpoints')
        .values({
          id,
          app_id: appId,
          url,
          events: JSON.stringify(events),
          secret_enc: this.box.seal(secret, webhookContext(id)),
        })
        .returning(['id', 'url', 'events', 'created_at'])
        .executeTakeFirstOrThrow();
    });
    return { webhook: toInfo(row), secret };
  }

  async delete(appId: string, id: string): Promise<void> {
    const result = await this.db
      .deleteFrom('webhook_endpoints')
      .where('app_id', '=', appId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (result.numDeletedRows === 0n) throw notFound('webhook');
  }

  /** The endpoint with its decrypted secret (for sending, and for the internal app config). */
  async withSecrets(appId: string, id?: string): Promise<Array<WebhookInfo & { secret: string }>> {
    let query = this.db
      .selectFrom('webhook_endpoints')
      .select(['id', 'url', 'events', 'created_at', 'secret_enc'])
      .where('app_id', '=', appId);
    if (id !== undefined) query = query.where('id', '=', id);
    const rows = await query.orderBy('created_at').execute();
    return rows.map((r) => ({ ...toInfo(r), secret: this.box.open(r.secret_enc, webhookContext(r.id)) }));
  }

  async recordDelivery(endpointId: string, d: Omit<Delivery, 'id' | 'at'>): Promise<Delivery> {
    const row = await this.db
      .insertInto('webhook_deliveries')
      .values({
        id: `dlv_${randomId(16)}`,
        endpoint_id: endpointId,
        event: d.event,
        status: d.status,
        ok: d.ok,
        error: d.error,
        duration_ms: d.durationMs,
      })
      .returning(['id', 'at'])
      .executeTakeFirstOrThrow();
    const keep = this.db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('endpoint_id', '=', endpointId)
      .orderBy('seq', 'desc')
      .limit(DELIVERIES_KEPT);
    await this.db
      .deleteFrom('webhook_deliveries')
      .where('endpoint_id', '=', endpointId)
      .where('id', 'not in', keep)
      .execute();
    return { ...d, id: row.id, at: new Date(row.at).toISOString() };
  }

  async deliveries(endpointId: string): Promise<Delivery[]> {
    const rows = await this.db
      .selectFrom('webhook_deliveries')
      .select(['id', 'event', 'status', 'ok', 'error', 'duration_ms', 'at'])
      .where('endpoint_id', '=', endpointId)
      .orderBy('seq', 'desc')
      .limit(DELIVERIES_KEPT)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      event: r.event,
      status: r.status,
      ok: r.ok,
      error: r.error,
      durationMs: r.duration_ms,
      at: new Date(r.at).toISOString(),
    }));
  }
}
