import type { Tracer } from './tracer.js';

/**
 * The id and seq of a message frame payload without parsing its JSON: the payload starts with
 * `{"type":"message","id":"<id>","seq":<n>,` (history-store.ts `messageFrameParts`). Returns
 * undefined for any other frame.
 */
export function messageRefOf(payload: string): { messageId: string; seq: number } | undefined {
  const head = '{"type":"message","id":"';
  if (!payload.startsWith(head)) return undefined;
  const idEnd = payload.indexOf('"', head.length);
  if (idEnd < 0) return undefined;
  const seqStart = idEnd + ',"seq":'.length + 1;
  const seqEnd = payload.indexOf(',', seqStart);
  const seq = Number(payload.slice(seqStart, seqEnd));
  if (!Number.isInteger(seq)) return undefined;
  return { messageId: payload.slice(head.length, idEnd), seq };
}

/** `message.consumed` and `message.delivered` of one message the broker handed to this gateway. */
export function traceConsumed(
  tracer: Tracer,
  appId: string,
  room: string,
  payload: string,
  sockets: number,
  consumedAt: number,
): void {
  const ref = messageRefOf(payload);
  if (!ref) return;
  const fields = { appId, room, messageId: ref.messageId, seq: ref.seq };
  tracer.emit('message.consumed', fields, consumedAt);
  tracer.emit('message.delivered', { ...fields, detail: { sockets } });
}
