import type { BrokerMessage } from '@relaybox/core';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';

/**
 * Wire formats of `BrokerMessage`s as an AMQP body (UTF-8 strings, big-endian lengths):
 *
 * v1, one message (its `traceparent`, if any, travels as the AMQP header of that name):
 *
 *   u8 version (1) | u16 appId bytes | u16 room bytes | appId | room | payload
 *
 * v2, a batch of messages of one routing key, in publish order (each one's `traceparent` inside):
 *
 *   u8 version (2) | u16 count (≥ 1) | count × entry
 *   entry: u16 appId bytes | u16 room bytes | u16 traceparent bytes (0: none) | u32 payload bytes
 *          | appId | room | traceparent | payload
 *
 * Decoders accept both. The payload is never parsed: it is copied in and sliced out as a string.
 */
export const WIRE_VERSION = 1;
export const BATCH_WIRE_VERSION = 2;
const HEADER_BYTES = 5;
const BATCH_HEADER_BYTES = 3;
const ENTRY_HEADER_BYTES = 10;
const MAX_FIELD_BYTES = 0xffff;
/** Messages in one v2 body: its count field is a u16. */
export const MAX_BATCH_COUNT = 0xffff;

/** A message with its UTF-8 field lengths, measured once (`measureBrokerMessage`) and reused by the encoders. */
export interface MeasuredMessage {
  message: BrokerMessage;
  appBytes: number;
  roomBytes: number;
  traceBytes: number;
  payloadBytes: number;
}

/** Measures the fields and refuses a message no format can carry (a field over 65535 bytes). */
export function measureBrokerMessage(message: BrokerMessage): MeasuredMessage {
  const appBytes = Buffer.byteLength(message.appId);
  const roomBytes = Buffer.byteLength(message.room);
  const traceBytes = message.traceparent === undefined ? 0 : Buffer.byteLength(message.traceparent);
  if (appBytes > MAX_FIELD_BYTES || roomBytes > MAX_FIELD_BYTES) {
    throw new RelayBoxError(ErrorCode.InvalidRequest, 'appId or room too long for the broker');
  }
  if (traceBytes > MAX_FIELD_BYTES) {
    throw new RelayBoxError(ErrorCode.InvalidRequest, 'traceparent too long for the broker');
  }
  return { message, appBytes, roomBytes, traceBytes, payloadBytes: Buffer.byteLength(message.payload) };
}

/** Bytes `measured` takes as one entry of a v2 body. */
export function batchEntryBytes(measured: MeasuredMessage): number {
  return (
    ENTRY_HEADER_BYTES + measured.appBytes + measured.roomBytes + measured.traceBytes + measured.payloadBytes
  );
}

/** v1 body of one message (its traceparent is not in it: the caller sends it as a header). */
export function encodeBrokerMessage(message: BrokerMessage | MeasuredMessage): Buffer {
  const m = 'message' in message ? message : measureBrokerMessage(message);
  const roomStart = HEADER_BYTES + m.appBytes;
  const payloadStart = roomStart + m.roomBytes;
  const body = Buffer.allocUnsafe(payloadStart + m.payloadBytes);
  body[0] = WIRE_VERSION;
  body.writeUInt16BE(m.appBytes, 1);
  body.writeUInt16BE(m.roomBytes, 3);
  body.write(m.message.appId, HEADER_BYTES);
  body.write(m.message.room, roomStart);
  body.write(m.message.payload, payloadStart);
  return body;
}

/** v2 body of 1 to 65535 measured messages, kept in the given order. */
export function encodeBrokerBatch(batch: readonly MeasuredMessage[]): Buffer {
  if (batch.length === 0 || batch.length > MAX_BATCH_COUNT) {
    throw new RangeError(`a broker batch holds 1 to ${MAX_BATCH_COUNT} messages, not ${batch.length}`);
  }
  let size = BATCH_HEADER_BYTES;
  for (const m of batch) size += batchEntryBytes(m);
  const body = Buffer.allocUnsafe(size);
  body[0] = BATCH_WIRE_VERSION;
  body.writeUInt16BE(batch.length, 1);
  let at = BATCH_HEADER_BYTES;
  for (const m of batch) {
    body.writeUInt16BE(m.appBytes, at);
    body.writeUInt16BE(m.roomBytes, at + 2);
    body.writeUInt16BE(m.traceBytes, at + 4);
    body.writeUInt32BE(m.payloadBytes, at + 6);
    at += ENTRY_HEADER_BYTES;
    at += body.write(m.message.appId, at);
    at += body.write(m.message.room, at);
    if (m.message.traceparent !== undefined) at += body.write(m.message.traceparent, at);
    at += body.write(m.message.payload, at);
  }
  return body;
}

/** Returns null for a v1 body that is not well formed (another publisher on the exchange). */
export function decodeBrokerMessage(body: Buffer): BrokerMessage | null {
  if (body.length < HEADER_BYTES || body[0] !== WIRE_VERSION) return null;
  const roomStart = HEADER_BYTES + body.readUInt16BE(1);
  const payloadStart = roomStart + body.readUInt16BE(3);
  if (payloadStart > body.length) return null;
  return {
    appId: body.toString('utf8', HEADER_BYTES, roomStart),
    room: body.toString('utf8', roomStart, payloadStart),
    payload: body.toString('utf8', payloadStart),
  };
}

/**
 * Every message of a v1 or v2 body, in order; null for a body in neither format or malformed in
 * any way (a truncated entry, trailing bytes, a zero count): such a body is dropped whole.
 */
export function decodeBrokerBody(body: Buffer): BrokerMessage[] | null {
  if (body.length === 0) return null;
  if (body[0] === WIRE_VERSION) {
    const message = decodeBrokerMessage(body);
    return message === null ? null : [message];
  }
  if (body[0] !== BATCH_WIRE_VERSION || body.length < BATCH_HEADER_BYTES) return null;
  const count = body.readUInt16BE(1);
  if (count === 0) return null;
  const messages: BrokerMessage[] = new Array(count);
  let at = BATCH_HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    if (at + ENTRY_HEADER_BYTES > body.length) return null;
    const roomStart = at + ENTRY_HEADER_BYTES + body.readUInt16BE(at);
    const traceStart = roomStart + body.readUInt16BE(at + 2);
    const payloadStart = traceStart + body.readUInt16BE(at + 4);
    const end = payloadStart + body.readUInt32BE(at + 6);
    if (end > body.length) return null;
    const message: BrokerMessage = {
      appId: body.toString('utf8', at + ENTRY_HEADER_BYTES, roomStart),
      room: body.toString('utf8', roomStart, traceStart),
      payload: body.toString('utf8', payloadStart, end),
    };
    if (payloadStart > traceStart) message.traceparent = body.toString('utf8', traceStart, payloadStart);
    messages[i] = message;
    at = end;
  }
  return at === body.length ? messages : null;
}
