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
  /** `test`: a "send test event" call; `delivery`: a real try made by a webhook worker. */
  kind: 'test' | 'delivery';
  event: string;
  /** The event id (`X-RelayBox-Event-Id`) and the try number of a real delivery. */
  eventId: string | null;
  attempt: number | null;
  status: number | null;
  ok: boolean;
  error: string | null;
  durationMs: number;
  at: string;
}

/** One real try as a gateway's webhook worker reports it (`POST /internal/v1/webhooks/deliveries`). */
export interface ReportedAttempt {
  appId: string;
  endpointId: string;
  eventId: string;
  type: string;
  attempt: number;
  status?: number;
  error?: string;
  latencyMs: number;
  at: number;
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

  async recordDelivery(
    endpointId: string,
    d: Omit<Delivery, 'id' | 'at' | 'kind' | 'eventId' | 'attempt'>,
  ): Promise<Delivery> {
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
    await this.trim(endpointId);
    return {
      ...d,
      kind: 'test',
      eventId: null,
      attempt: null,
      id: row.id,
      at: new Date(row.at).toISOString(),
    };
  }

  /**
   * Stores real tries reported by the gateways. Tries of an endpoint that is not the named app's
   * (deleted meanwhile, or a wrong pair) are skipped; returns how many were stored.
   */
  async recordAttempts(attempts: readonly ReportedAttempt[]): Promise<number> {
    if (attempts.length === 0) return 0;
    const owned = await this.db
      .selectFrom('webhook_endpoints')
      .select(['id', 'app_id'])
      .where('id', 'in', [...new Set(attempts.map((a) => a.endpointId))])
      .execute();
    const ownerOf = new Map(owned.map((r) => [r.id, r.app_id]));
    const rows = attempts
      .filter((a) => ownerOf.get(a.endpointId) === a.appId)
      .map((a) => ({
        id: `dlv_${randomId(16)}`,
        endpoint_id: a.endpointId,
        kind: 'delivery' as const,
        event: a.type,
        event_id: a.eventId,
        attempt: a.attempt,
        status: a.status ?? null,
        ok: a.status !== undefined && a.status >= 200 && a.status < 300,
        error:
          a.error ??
          (a.status !== undefined && (a.status < 200 || a.status >= 300) ? `HTTP ${a.status}` : null),
        duration_ms: a.latencyMs,
        at: new Date(a.at),
      }));
    if (rows.length === 0) return 0;
    await this.db.insertInto('webhook_deliveries').values(rows).execute();
    for (const endpointId of new Set(rows.map((r) => r.endpoint_id))) await this.trim(endpointId);
    return rows.length;
  }

  private async trim(endpointId: string): Promise<void> {
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
  }

  async deliveries(endpointId: string): Promise<Delivery[]> {
    const rows = await this.db
      .selectFrom('webhook_deliveries')
      .select(['id', 'kind', 'event', 'event_id', 'attempt', 'status', 'ok', 'error', 'duration_ms', 'at'])
      .where('endpoint_id', '=', endpointId)
      .orderBy('seq', 'desc')
      .limit(DELIVERIES_KEPT)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      event: r.event,
      eventId: r.event_id,
      attempt: r.attempt,
      status: r.status,
      ok: r.ok,
      error: r.error,
      durationMs: r.duration_ms,
      at: new Date(r.at).toISOString(),
    }));
  }
}
