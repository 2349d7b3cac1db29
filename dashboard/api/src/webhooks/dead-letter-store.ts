import { ErrorCode } from '@relaybox/protocol';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { ApiError } from '../lib/api-error.js';
import { randomId } from '../lib/ids.js';

/** One dead letter as the dashboard lists it. */
export interface DeadLetterInfo {
  endpointId: string;
  eventId: string;
  type: string;
  /** Tries made before it was given up. */
  attempts: number;
  /** `exhausted`, `rejected`, `endpoint_removed`, `blocked` or `budget_exhausted` (docs/webhooks.md). */
  reason: string;
  lastStatus: number | null;
  lastError: string | null;
  /** When it was given up. */
  failedAt: string;
}

/** A page of the list, newest first; `next` is the cursor of the following page (null: the last). */
export interface DeadLetterPage {
  items: DeadLetterInfo[];
  next: string | null;
}

/** The answer of a requeue: the event was queued again under the same event id. */
export interface RequeueResult {
  endpointId: string;
  eventId: string;
  jobId: string;
}

/** A dead-letter change as a gateway's webhook worker reports it (`POST /internal/v1/webhooks/dead-letters`). */
export interface ReportedDeadLetterChange {
  op: 'add' | 'remove';
  appId: string;
  endpointId: string;
  eventId: string;
  type?: string;
  attempts?: number;
  reason?: string;
  lastStatus?: number;
  lastError?: string;
  failedAt: number;
}

/** What the gateways answered a requeue so far. */
export interface RequeueState {
  outcome: 'requeued' | null;
  jobId: string | null;
  notFound: number;
  failure: string | null;
}

/**
 * The dashboard keeps this many dead letters per endpoint, newest first (the gateways' Redis list
 * keeps 1,000 per app); an older one is dropped, and requeueing it answers 404 `dead_letter_not_found`.
 */
export const DEAD_LETTERS_KEPT = 1000;
/** Letters per page at most (`limit`), default 50. */
export const DEAD_LETTER_PAGE_MAX = 100;

type Row = {
  seq: string;
  endpoint_id: string;
  event_id: string;
  type: string;
  attempts: number;
  reason: string;
  last_status: number | null;
  last_error: string | null;
  failed_at: Date;
};

const COLUMNS = [
  'seq',
  'endpoint_id',
  'event_id',
  'type',
  'attempts',
  'reason',
  'last_status',
  'last_error',
  'failed_at',
] as const;

const toInfo = (r: Row): DeadLetterInfo => ({
  endpointId: r.endpoint_id,
  eventId: r.event_id,
  type: r.type,
  attempts: r.attempts,
  reason: r.reason,
  lastStatus: r.last_status,
  lastError: r.last_error,
  failedAt: new Date(r.failed_at).toISOString(),
});

/** Dead letters of apps' webhook endpoints and the requeues handed to gateways. Callers check ownership. */
export class DeadLetterStore {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Applies reported changes in order. Changes of an endpoint that is not the named app's (deleted
   * meanwhile, or a wrong pair) are skipped; a letter reported twice is stored once. Returns how
   * many changes were applied.
   */
  async record(changes: readonly ReportedDeadLetterChange[]): Promise<number> {
    if (changes.length === 0) return 0;
    const owned = await this.db
      .selectFrom('webhook_endpoints')
      .select(['id', 'app_id'])
      .where('id', 'in', [...new Set(changes.map((c) => c.endpointId))])
      .execute();
    const ownerOf = new Map(owned.map((r) => [r.id, r.app_id]));
    const valid = changes.filter((c) => ownerOf.get(c.endpointId) === c.appId);
    // Runs of adds and of removes, each one statement, applied in order.
    for (let i = 0; i < valid.length; ) {
      const op = valid[i]?.op;
      let j = i;
      while (j < valid.length && valid[j]?.op === op) j++;
      const run = valid.slice(i, j);
      if (op === 'add') await this.insert(run);
      else await this.remove(run);
      i = j;
    }
    for (const endpointId of new Set(valid.filter((c) => c.op === 'add').map((c) => c.endpointId))) {
      await this.trim(endpointId);
    }
    return valid.length;
  }

  private async insert(adds: readonly ReportedDeadLetterChange[]): Promise<void> {
    await this.db
      .insertInto('webhook_dead_letters')
      .values(
        adds.map((c) => ({
          app_id: c.appId,
          endpoint_id: c.endpointId,
          event_id: c.eventId,
          type: c.type ?? 'unknown',
          attempts: c.attempts ?? 0,
          reason: c.reason ?? 'exhausted',
          last_status: c.lastStatus ?? null,
          last_error: c.lastError ?? null,
          failed_at: new Date(c.failedAt),
        })),
      )
      .onConflict((oc) => oc.columns(['endpoint_id', 'event_id', 'failed_at']).doNothing())
      .execute();
  }

  private async remove(removes: readonly ReportedDeadLetterChange[]): Promise<void> {
    await this.db
      .deleteFrom('webhook_dead_letters')
      .where((eb) =>
        eb.or(
          removes.map((c) =>
            eb.and([
              eb('endpoint_id', '=', c.endpointId),
              eb('event_id', '=', c.eventId),
              eb('failed_at', '=', new Date(c.failedAt)),
            ]),
          ),
        ),
      )
      .execute();
  }

  /** The app's letters (or one endpoint's), newest first, `limit` per page after `cursor`. */
  async list(
    appId: string,
    options: { endpointId?: string; limit: number; cursor?: string },
  ): Promise<DeadLetterPage> {
    let query = this.db.selectFrom('webhook_dead_letters').select(COLUMNS).where('app_id', '=', appId);
    if (options.endpointId !== undefined) query = query.where('endpoint_id', '=', options.endpointId);
    if (options.cursor !== undefined) query = query.where('seq', '<', parseCursor(options.cursor));
    const rows = await query
      .orderBy('seq', 'desc')
      .limit(options.limit + 1)
      .execute();
    const page = rows.slice(0, options.limit);
    const last = page.at(-1);
    return { items: page.map(toInfo), next: rows.length > options.limit && last ? String(last.seq) : null };
  }

  /** The newest letter of the event for the endpoint, with its row number. */
  async newest(
    appId: string,
    endpointId: string,
    eventId: string,
  ): Promise<(DeadLetterInfo & { seq: string }) | undefined> {
    const row = await this.db
      .selectFrom('webhook_dead_letters')
      .select(COLUMNS)
      .where('app_id', '=', appId)
      .where('endpoint_id', '=', endpointId)
      .where('event_id', '=', eventId)
      .orderBy('seq', 'desc')
      .executeTakeFirst();
    return row ? { ...toInfo(row), seq: String(row.seq) } : undefined;
  }

  async removeRow(seq: string): Promise<void> {
    await this.db.deleteFrom('webhook_dead_letters').where('seq', '=', seq).execute();
  }

  /** Opens a requeue request; gateways answer it by its id. */
  async openRequeue(appId: string, endpointId: string, eventId: string): Promise<string> {
    const id = `rq_${randomId(16)}`;
    await this.db
      .insertInto('webhook_requeues')
      .values({
        id,
        app_id: appId,
        endpoint_id: endpointId,
        event_id: eventId,
        outcome: null,
        job_id: null,
        failure: null,
      })
      .execute();
    return id;
  }

  /** Records one gateway's answer; false when the request is no longer open. */
  async answer(
    id: string,
    answer: { outcome: 'requeued' | 'not_found' | 'failed'; jobId?: string; message?: string },
  ): Promise<boolean> {
    const update = this.db.updateTable('webhook_requeues').where('id', '=', id);
    const result =
      answer.outcome === 'requeued'
        ? await update.set({ outcome: 'requeued', job_id: answer.jobId ?? null }).executeTakeFirst()
        : answer.outcome === 'not_found'
          ? await update.set((eb) => ({ not_found: eb('not_found', '+', 1) })).executeTakeFirst()
          : await update.set({ failure: answer.message ?? 'failed' }).executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async requeueState(id: string): Promise<RequeueState | undefined> {
    const row = await this.db
      .selectFrom('webhook_requeues')
      .select(['outcome', 'job_id', 'not_found', 'failure'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      outcome: row.outcome === 'requeued' ? 'requeued' : null,
      jobId: row.job_id,
      notFound: row.not_found,
      failure: row.failure,
    };
  }

  async closeRequeue(id: string): Promise<void> {
    await this.db.deleteFrom('webhook_requeues').where('id', '=', id).execute();
  }

  private async trim(endpointId: string): Promise<void> {
    const keep = this.db
      .selectFrom('webhook_dead_letters')
      .select('seq')
      .where('endpoint_id', '=', endpointId)
      .orderBy('seq', 'desc')
      .limit(DEAD_LETTERS_KEPT);
    await this.db
      .deleteFrom('webhook_dead_letters')
      .where('endpoint_id', '=', endpointId)
      .where('seq', 'not in', keep)
      .execute();
  }
}

function parseCursor(cursor: string): string {
  if (!/^[1-9][0-9]{0,17}$/.test(cursor)) {
    throw new ApiError(ErrorCode.InvalidRequest, 'cursor must be a `next` value of an earlier page', {
      field: 'cursor',
    });
  }
  return cursor;
}
