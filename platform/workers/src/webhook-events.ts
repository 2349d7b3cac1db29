import { randomBytes } from 'node:crypto';
import type { WebhookEventType as CoreWebhookEventType } from '@relaybox/core';

/** Names of the webhook event types (the list itself is `WEBHOOK_EVENT_TYPES` in @relaybox/core). */
export const WebhookEventType = {
  ConnectionOpened: 'connection.opened',
  ConnectionClosed: 'connection.closed',
  RoomJoined: 'room.joined',
  RoomLeft: 'room.left',
  PresenceEnter: 'presence.enter',
  PresenceUpdate: 'presence.update',
  PresenceLeave: 'presence.leave',
  MessagePublished: 'message.published',
} as const satisfies Record<string, CoreWebhookEventType>;

export type WebhookEventType = (typeof WebhookEventType)[keyof typeof WebhookEventType];

/** Fails to compile when core lists a type that has no name here. */
const everyTypeNamed: Exclude<CoreWebhookEventType, WebhookEventType> extends never ? true : never = true;
void everyTypeNamed;

export interface ConnectionEventData {
  connectionId: string;
  clientId: string;
}

export interface ConnectionClosedEventData extends ConnectionEventData {
  /** Why the connection ended, e.g. 'client closed', 'idle timeout', 'token expired'. */
  reason?: string;
}

export interface RoomEventData extends ConnectionEventData {
  room: string;
}

export interface PresenceEventData extends RoomEventData {
  /** The member data after the change (null on leave when none was set). */
  data: unknown;
}

export interface MessageEventData {
  room: string;
  /** The message's id and per-room seq, as subscribers receive them. */
  id: string;
  seq: number;
  /** The event name the message was published with. */
  event: string;
  data: unknown;
  /** Absent for messages published through the REST API without a clientId. */
  clientId?: string;
  timestamp: number;
}

/** What `data` holds for each event type. */
export interface WebhookEventDataMap {
  'connection.opened': ConnectionEventData;
  'connection.closed': ConnectionClosedEventData;
  'room.joined': RoomEventData;
  'room.left': RoomEventData;
  'presence.enter': PresenceEventData;
  'presence.update': PresenceEventData;
  'presence.leave': PresenceEventData;
  'message.published': MessageEventData;
}

/** One event of an app; a union over the types, discriminated by `type`. */
export type WebhookEvent<T extends WebhookEventType = WebhookEventType> = {
  [K in T]: {
    /** Unique per event; the idempotency id every delivery carries (`X-RelayBox-Event-Id`). */
    id: string;
    type: K;
    /** When it happened, ms since the epoch. */
    createdAt: number;
    data: WebhookEventDataMap[K];
  };
}[T];

/** A new event with a fresh id (`evt_` + 128 random bits) stamped now. */
export function createWebhookEvent<T extends WebhookEventType>(
  type: T,
  data: WebhookEventDataMap[T],
  options: { id?: string; createdAt?: number } = {},
): WebhookEvent<T> {
  return {
    id: options.id ?? `evt_${randomBytes(16).toString('hex')}`,
    type,
    createdAt: options.createdAt ?? Date.now(),
    data,
  } as WebhookEvent<T>;
}
