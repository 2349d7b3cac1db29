import { ErrorCode, RelayBoxError, type RoomMessage } from '@relaybox/protocol';

export type HistoryDirection = 'forwards' | 'backwards';

/** How much history one app keeps per room. Both bounds apply; whichever is reached first trims. */
export interface HistoryRetention {
  /** Messages kept per room (integer >= 1). Enforced by every append. */
  maxMessages: number;
  /** Age after which a message is removed (ms >= 1). Enforced by `trimExpired`, not by appends. */
  maxAgeMs: number;
}

export const DEFAULT_HISTORY_RETENTION: Readonly<HistoryRetention> = Object.freeze({
  maxMessages: 10_000,
  maxAgeMs: 24 * 60 * 60 * 1000,
});
export const DEFAULT_IDEMPOTENCY_WINDOW_MS = 2 * 60 * 1000;
/** Largest page a query may ask for. */
export const HISTORY_MAX_LIMIT = 1000;
/** Page size of a query that gives no `limit`. */
export const HISTORY_DEFAULT_LIMIT = 100;

export interface HistoryAppendInput {
  appId: string;
  room: string;
  /** Unique message id, chosen by the caller (`MessageIdGenerator`). */
  id: string;
  event: string;
  /** Any JSON value; `undefined` is stored as `null`. */
  data: unknown;
  clientId: string;
  /** Publish time in ms since the epoch; raised to the room's latest timestamp if older (see `append`). */
  timestamp: number;
  /** Retries carrying the same key for the same app and room within the window are not appended again. */
  idempotencyKey?: string;
  retention: HistoryRetention;
  /** How long an idempotency key is remembered, from the first append (ms >= 1). Used only with a key. */
  idempotencyWindowMs: number;
}

export interface HistoryAppendResult {
  message: RoomMessage;
  /** `{"type":"message",...message}` serialized once, exactly as subscribers receive it. */
  payload: string;
  /** True when the idempotency key was seen within its window: nothing was appended, deliver nothing. */
  duplicate: boolean;
}

export interface HistoryQuery {
  /** Default 'backwards' (newest first). 'forwards' is ascending seq. */
  direction?: HistoryDirection;
  /** 1..HISTORY_MAX_LIMIT, default HISTORY_DEFAULT_LIMIT. */
  limit?: number;
  /** Inclusive seq bounds. */
  fromSeq?: number;
  toSeq?: number;
  /** Inclusive time bounds, ms since the epoch. */
  start?: number;
  end?: number;
  /** Only messages with exactly this event name. */
  event?: string;
  /**
   * `next` of an earlier page of the same app and room. The cursor carries direction, bounds and
   * event of the first query; fields given alongside it must equal those, except `limit`.
   */
  cursor?: string;
}

/**
 * A page as the store holds it: each frame is the message's `{"type":"message",...}` text exactly
 * as `append` returned it in `payload` (what subscribers received), never parsed on the way out.
 * The gateway forwards frames as they are (replay) or splices them into a reply
 * (`messageItemsJson`); `queryMessages` gives the messages as objects.
 */
export interface HistoryPage {
  frames: string[];
  /** Present exactly when more matching messages exist past this page at the time of the query. */
  next?: string;
}

/** A page with its messages parsed: for callers that need objects (the inspector, tests). */
export interface HistoryMessages {
  items: RoomMessage[];
  next?: string;
}

/** `store.query` with the frames parsed into messages (costs a `JSON.parse` per message). */
export async function queryMessages(
  store: HistoryStore,
  appId: string,
  room: string,
  query: HistoryQuery,
): Promise<HistoryMessages> {
  const page = await store.query(appId, room, query);
  const items = page.frames.map(parseMessageFrame);
  return page.next === undefined ? { items } : { items, next: page.next };
}

/**
 * The seqs history still holds for a room: `oldestSeq..latestSeq`. `latestSeq` is the room's last
 * assigned seq, 0 for a new room. When history holds
 * nothing, `oldestSeq = latestSeq + 1` (a new room is `{1, 0}`). A subscriber whose last seen seq is
 * `s` can be caught up from history exactly when `oldestSeq <= s + 1`; otherwise it has a discontinuity.
 */
export interface HistoryBounds {
  oldestSeq: number;
  latestSeq: number;
}

export interface HistoryTrimOptions {
  /** The time to trim against, ms since the epoch (messages with `timestamp < now - maxAgeMs` go). */
  now: number;
  /** The age bound: one for every app, or the app's own. */
  maxAgeMs: number | ((appId: string) => number);
}

export interface HistoryTrimResult {
  /** Rooms from which at least one message was removed. */
  rooms: number;
  /** Messages removed. */
  removed: number;
}

/**
 * A room's message log: assigns the seq and stores the message in one atomic step.
 *
 * Guarantees:
 * - `append` gives a room's messages 1, 2, 3, ... with no gap and no repeat across every gateway
 *   sharing the store. The seq is assigned and the message stored atomically: a
 *   message with a seq is in history until retention removes it, and never without one.
 * - Appends of one room made by one caller get their seqs and resolve in the order they were called
 *   (the gateway publishes in that order, which keeps one publisher's messages in order on every
 *   subscriber). Appends of different rooms may resolve in another order (a store may send the
 *   appends of one room together).
 * - Timestamps never decrease with seq inside a room: an append whose timestamp is older than the
 *   room's latest stored message takes that message's timestamp (clock skew between gateways).
 * - Idempotency: while a key is remembered (from the first append, for `idempotencyWindowMs`),
 *   appends with the same key for the same app and room append nothing and return the original
 *   id, seq and timestamp with `duplicate: true`. Keys of other rooms and apps are unrelated.
 * - Retention: a room never holds more than `maxMessages` after an append (except right after the
 *   bound was lowered: then each append removes a bounded batch of the excess). Age is enforced only
 *   by `trimExpired`, so an expired message stays readable until its next run.
 * - Queries read a consistent range, filter by event inside the store, and return a full page
 *   whenever more matching messages exist. Cursors are bound to their app and room and cannot be
 *   forged or moved; a bad one is refused with `invalid_request`.
 * - Every operation rejects with a retryable `RelayBoxError(store_unavailable)` when the store
 *   cannot be reached (an append may then still have happened: retry it with its idempotency key),
 *   and with `invalid_request` for invalid input.
 */
export interface HistoryStore {
  append(input: HistoryAppendInput): Promise<HistoryAppendResult>;
  query(appId: string, room: string, query: HistoryQuery): Promise<HistoryPage>;
  bounds(appId: string, room: string): Promise<HistoryBounds>;
  /**
   * Applies age retention to every room with history, in bounded steps (never one long blocking
   * command), visiting only rooms that hold an expired message. For a periodic background job.
   */
  trimExpired(options: HistoryTrimOptions): Promise<HistoryTrimResult>;
  /**
   * Removes every message of one room's history (an operator's "clear history") and answers how
   * many. The seq counter stays: the next append continues the numbering and `bounds` becomes
   * `{latestSeq + 1, latestSeq}`, so a subscriber resuming from before sees a discontinuity rather
   * than reused seqs. Idempotency records stay until their window ends.
   */
  clear(appId: string, room: string): Promise<{ removed: number }>;
  close(): Promise<void>;
}

/**
 * The message frame around its two store-assigned numbers: the payload is
 * `head + seq + middle + timestamp + '}'`, byte for byte `JSON.stringify({type:'message', ...message})`.
 * Splitting it lets a store assign seq and timestamp atomically without parsing JSON.
 */
export interface MessageFrameParts {
  head: string;
  middle: string;
}

export function messageFrameParts(input: HistoryAppendInput): MessageFrameParts {
  let data: string | undefined;
  try {
    data = JSON.stringify(input.data);
  } catch (cause) {
    throw new RelayBoxError(ErrorCode.InvalidRequest, '"data" is not serializable as JSON', { cause });
  }
  return {
    head: `{"type":"message","id":${JSON.stringify(input.id)},"seq":`,
    middle:
      `,"room":${JSON.stringify(input.room)},"event":${JSON.stringify(input.event)}` +
      `,"data":${data ?? 'null'},"clientId":${JSON.stringify(input.clientId)},"timestamp":`,
  };
}

export function messageFramePayload(parts: MessageFrameParts, seq: number, timestamp: number): string {
  return `${parts.head}${seq}${parts.middle}${timestamp}}`;
}

/** What every frame of `messageFrameParts` starts with; a message item is the frame without it. */
const MESSAGE_FRAME_TYPE = '{"type":"message",';

/**
 * The JSON array of the messages that `frames` (payloads of `messageFrameParts`) hold, byte for
 * byte `JSON.stringify(frames.map(parseMessageFrame))`, built without parsing: each frame minus its
 * `"type":"message",` (the frame's other fields are the message's, in the same order). A frame of
 * another shape (never written by a store) goes through parse and stringify.
 */
export function messageItemsJson(frames: readonly string[]): string {
  let json = '[';
  for (let i = 0; i < frames.length; i++) {
    const frame = frames[i] as string;
    if (i > 0) json += ',';
    json += frame.startsWith(MESSAGE_FRAME_TYPE)
      ? `{${frame.slice(MESSAGE_FRAME_TYPE.length)}`
      : JSON.stringify(parseMessageFrame(frame));
  }
  return `${json}]`;
}

/** The message a payload of `messageFrameParts` holds (data in its JSON form). */
export function parseMessageFrame(payload: string): RoomMessage {
  const f = JSON.parse(payload) as RoomMessage;
  return {
    id: f.id,
    seq: f.seq,
    room: f.room,
    event: f.event,
    data: f.data,
    clientId: f.clientId,
    timestamp: f.timestamp,
  };
}

const MAX_IDEMPOTENCY_KEY_LENGTH = 1024;

/** Throws `invalid_request` naming the first field of an append that is out of its bounds. */
export function validateHistoryAppend(input: HistoryAppendInput): void {
  for (const field of ['appId', 'room', 'id', 'event', 'clientId'] as const) {
    if (typeof input[field] !== 'string' || input[field].length === 0) {
      throw invalidRequest(`"${field}" must be a non-empty string`);
    }
  }
  requireInteger(input.timestamp, 'timestamp', 0);
  requireInteger(input.retention?.maxMessages, 'retention.maxMessages', 1);
  requireInteger(input.retention?.maxAgeMs, 'retention.maxAgeMs', 1);
  if (input.idempotencyKey !== undefined) {
    const key = input.idempotencyKey;
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
      throw invalidRequest(`"idempotencyKey" must be a string of 1-${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
    }
    requireInteger(input.idempotencyWindowMs, 'idempotencyWindowMs', 1);
  }
}

/** Throws `invalid_request` unless `value` is a safe integer of at least `min`. */
export function requireInteger(
  value: unknown,
  field: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): void {
  if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw invalidRequest(`"${field}" must be an integer ${range}`);
  }
}

export function invalidRequest(message: string): RelayBoxError {
  return new RelayBoxError(ErrorCode.InvalidRequest, message);
}
