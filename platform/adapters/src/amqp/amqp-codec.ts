import type { BrokerMessage } from '@relaybox/core';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';

/**
 * Wire format of a `BrokerMessage` as an AMQP body (no properties, no headers table):
 *
 *   u8 version (1) | u16be appId bytes | u16be room bytes | appId | room | payload     (UTF-8)
 *
 * The payload is never parsed: it is copied in and sliced out as a string.
 */
export const WIRE_VERSION = 1;
const HEADER_BYTES = 5;
const MAX_FIELD_BYTES = 0xffff;

export function encodeBrokerMessage(message: BrokerMessage): Buffer {
  const appBytes = Buffer.byteLength(message.appId);
  const roomBytes = Buffer.byteLength(message.room);
  if (appBytes > MAX_FIELD_BYTES || roomBytes > MAX_FIELD_BYTES) {
    throw new RelayBoxError(ErrorCode.InvalidRequest, 'appId or room too long for the broker');
  }
  const roomStart = HEADER_BYTES + appBytes;
  const payloadStart = roomStart + roomBytes;
  const body = Buffer.allocUnsafe(payloadStart + Buffer.byteLength(message.payload));
  body[0] = WIRE_VERSION;
  body.writeUInt16BE(appBytes, 1);
  body.writeUInt16BE(roomBytes, 3);
  body.write(message.appId, HEADER_BYTES);
  body.write(message.room, roomStart);
  body.write(message.payload, payloadStart);
  return body;
}

/** Returns null for a body that is not in this format (another publisher on the exchange). */
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
