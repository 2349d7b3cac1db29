import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import type { RequestFrame } from './request-tracker.js';

/** What a room (and its presence and history) needs from the client that owns it. */
export interface RoomHost {
  /** True while requests can be sent (the socket is connected). */
  readonly canSend: boolean;
  /** The server's bound on serialized presence data. */
  readonly maxPresenceDataBytes: number;
  request<R>(frame: RequestFrame): Promise<R>;
  /** The room is no longer joined: stop routing frames to it and do not restore it. */
  forget(room: { readonly name: string }): void;
  /** Reports a problem that fails no request (the connection's 'error' event). */
  reportError(error: RelayBoxError): void;
}

/** What every request of a room that was left rejects with. */
export function notJoined(room: string): RelayBoxError {
  return new RelayBoxError(ErrorCode.NotJoined, `room "${room}" has been left; join it again`);
}
