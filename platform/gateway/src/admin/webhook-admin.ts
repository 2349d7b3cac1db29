import { randomBytes } from 'node:crypto';
import { isWebhookEventType, type WebhookEndpointResolver } from '@relaybox/core';
import {
  type AdminDeadLetter,
  type AdminDeliveryAttempt,
  type AdminInbox,
  type AdminInboxDelivery,
  type AdminRedeliverResult,
  type AdminWebhookEndpoint,
  ErrorCode,
  isValidPattern,
  RelayBoxError,
  WEBHOOK_EVENT_TYPES,
  type WebhookEventType,
} from '@relaybox/protocol';
import type {
  DeadLetterList,
  DeliveryLog,
  InboxRecord,
  WebhookDispatcher,
  WebhookEvent,
  WebhookInbox,
} from '@relaybox/workers';
import type { Tracer } from '../tracing/tracer.js';
import { optionalString } from './admin-body.js';

/** What the composition root hands the inspector to show and drive webhooks. */
export interface AdminWebhooksSetup {
  endpoints: WebhookEndpointResolver & { forget?(appId: string): void };
  log: DeliveryLog;
  deadLetters: DeadLetterList;
  dispatcher: WebhookDispatcher;
  /** The webhook inbox (local engines only; absent in production and cloud mode). */
  inbox?: WebhookInbox;
  tracer: Tracer;
}

const MAX_ROOM_PATTERNS = 20;

/**
 * The inspector's webhook views and actions: endpoints, their delivery logs, the dead-letter list
 * with requeue, and the app's webhook inbox with replay. A requeue or replay queues the same event
 * (same event id) again for the endpoint, so a receiver that dedupes sees it once.
 */
export class WebhookAdmin {
  constructor(private readonly setup: AdminWebhooksSetup) {}

  async endpoints(appId: string): Promise<AdminWebhookEndpoint[]> {
    const [endpoints, inbox] = await Promise.all([
      this.setup.endpoints.endpointsFor(appId),
      this.setup.inbox?.forApp(appId),
    ]);
    return endpoints.map(({ id, url, events, rooms }) => ({
      appId,
      id,
      url,
      events,
      ...(rooms ? { rooms } : {}),
      ...(inbox?.endpointId === id ? { inboxId: inbox.id } : {}),
    }));
  }

  deliveries(appId: string, endpointId: string, limit?: number): Promise<AdminDeliveryAttempt[]> {
    return this.setup.log.recent(appId, endpointId, limit);
  }

  deadLetters(appId: string, limit?: number): Promise<AdminDeadLetter[]> {
    return this.setup.deadLetters.list(appId, limit);
  }

  /** Takes the letter off the list and queues its event again (put back if the queue refuses). */
  async requeue(appId: string, endpointId: string, eventId: string): Promise<AdminRedeliverResult> {
    const letter = await this.setup.deadLetters.take(appId, endpointId, eventId);
    if (!letter) {
      throw new RelayBoxError(
        ErrorCode.NotFound,
        `no dead letter of event "${eventId}" for endpoint "${endpointId}"`,
      );
    }
    try {
      return await this.redeliver(appId, endpointId, letter.event, 'requeue');
    } catch (error) {
      await this.setup.deadLetters.add(letter).catch(() => {});
      throw error;
    }
  }

  async inboxOf(appId: string): Promise<AdminInbox | null> {
    const inbox = await this.inboxStore().forApp(appId);
    return inbox ? withoutSecret(inbox) : null;
  }

  /** Registers the app's inbox as a webhook endpoint, or updates it (same id, URL and secret). */
  async registerInbox(appId: string, body: Record<string, unknown>, origin: string): Promise<AdminInbox> {
    const store = this.inboxStore();
    const existing = await store.forApp(appId);
    const id = existing?.id ?? `inb_${randomBytes(16).toString('hex')}`;
    const baseUrl = originOf(optionalString(body, 'baseUrl', 300) ?? origin);
    const inbox: InboxRecord = {
      id,
      appId,
      endpointId: existing?.endpointId ?? `inbox_${id.slice(4, 12)}`,
      url: `${baseUrl}/v1/dev/inbox/${id}`,
      secret: existing?.secret ?? `whsec_${randomBytes(24).toString('hex')}`,
      events: eventsOf(body.events),
      rooms: roomsOf(body.rooms),
      respondWith: statusOf(body.respondWith),
      createdAt: existing?.createdAt ?? Date.now(),
    };
    await store.save(inbox);
    this.setup.endpoints.forget?.(appId);
    return withoutSecret(inbox);
  }

  async removeInbox(appId: string): Promise<{ removed: boolean }> {
    const store = this.inboxStore();
    const existed = (await store.forApp(appId)) !== undefined;
    await store.remove(appId);
    this.setup.endpoints.forget?.(appId);
    return { removed: existed };
  }

  async inboxDeliveries(id: string, limit?: number): Promise<AdminInboxDelivery[]> {
    await this.inboxById(id);
    return this.inboxStore().deliveries(id, limit);
  }

  /** Delivers a received request's event to the inbox again, under the same event id. */
  async replay(id: string, deliveryId: string): Promise<AdminRedeliverResult> {
    const inbox = await this.inboxById(id);
    const delivery = (await this.inboxStore().deliveries(id)).find((d) => d.id === deliveryId);
    if (!delivery) throw new RelayBoxError(ErrorCode.NotFound, `no request "${deliveryId}" in this inbox`);
    return this.redeliver(inbox.appId, inbox.endpointId, eventOf(delivery.body), 'replay');
  }

  private async redeliver(
    appId: string,
    endpointId: string,
    event: WebhookEvent,
    why: 'requeue' | 'replay',
  ): Promise<AdminRedeliverResult> {
    const suffix = `${why}-${Date.now()}-${randomBytes(3).toString('hex')}`;
    const jobId = await this.setup.dispatcher.redeliver(appId, endpointId, event, suffix);
    this.setup.tracer.emit('webhook.redeliver', {
      appId,
      detail: { endpointId, eventId: event.id, event: event.type, jobId, why },
    });
    return { appId, endpointId, eventId: event.id, jobId };
  }

  private async inboxById(id: string): Promise<InboxRecord> {
    const inbox = await this.inboxStore().get(id);
    if (!inbox) throw new RelayBoxError(ErrorCode.NotFound, 'no such webhook inbox');
    return inbox;
  }

  private inboxStore(): WebhookInbox {
    if (!this.setup.inbox) {
      throw new RelayBoxError(ErrorCode.NotFound, 'the webhook inbox exists in the local engines only');
    }
    return this.setup.inbox;
  }
}

function withoutSecret({ secret: _secret, ...inbox }: InboxRecord): AdminInbox {
  return { ...inbox, rooms: inbox.rooms ?? [] };
}

function originOf(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RelayBoxError(ErrorCode.InvalidRequest, '"baseUrl" must be an http(s) origin');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password) {
    throw new RelayBoxError(
      ErrorCode.InvalidRequest,
      '"baseUrl" must be an http(s) origin without credentials',
    );
  }
  return url.origin;
}

function eventsOf(raw: unknown): WebhookEventType[] {
  if (raw === undefined) return [...WEBHOOK_EVENT_TYPES];
  if (!Array.isArray(raw) || raw.length === 0 || !raw.every(isWebhookEventType)) {
    throw new RelayBoxError(
      ErrorCode.InvalidRequest,
      `"events" must be a non-empty list of ${WEBHOOK_EVENT_TYPES.join(', ')}`,
    );
  }
  return [...new Set(raw)];
}

function roomsOf(raw: unknown): string[] {
  if (raw === undefined) return ['*'];
  if (
    !Array.isArray(raw) ||
    raw.length > MAX_ROOM_PATTERNS ||
    !raw.every((p) => typeof p === 'string' && isValidPattern(p))
  ) {
    throw new RelayBoxError(
      ErrorCode.InvalidRequest,
      `"rooms" must be a list of at most ${MAX_ROOM_PATTERNS} room patterns`,
    );
  }
  return raw as string[];
}

function statusOf(raw: unknown): number {
  if (raw === undefined) return 200;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 200 || raw > 599) {
    throw new RelayBoxError(ErrorCode.InvalidRequest, '"respondWith" must be an HTTP status 200-599');
  }
  return raw;
}

/** The event a delivery carried (its JSON payload), to queue it again with the same id. */
function eventOf(body: string): WebhookEvent {
  let payload: Record<string, unknown>;
  try {
    payload = JSON.parse(body) as Record<string, unknown>;
  } catch {
    throw new RelayBoxError(
      ErrorCode.InvalidRequest,
      'that request was not a RelayBox delivery (body is not JSON)',
    );
  }
  const { id, type, createdAt, data } = payload ?? {};
  if (typeof id !== 'string' || !isWebhookEventType(type) || typeof createdAt !== 'number') {
    throw new RelayBoxError(ErrorCode.InvalidRequest, 'that request was not a RelayBox delivery');
  }
  return { id, type, createdAt, data } as WebhookEvent;
}
