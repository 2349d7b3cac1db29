import type { PayloadFields } from '../payload.js';
import type { ClientKind } from './client-socket.js';

export type Protocol = 'uws' | 'socketio' | 'relaybox';

/** sub: joins and subscribes to `room`; pub: joins `room` to publish into it; idle: only connects. */
export type Role = 'sub' | 'pub' | 'idle';

export interface ConnectTarget {
  /** e.g. `127.0.0.1:40123` */
  hostPort: string;
  room?: string;
  clientId: string;
  /** RelayBox only: a JWT sent as the token subprotocol instead of the API key. */
  token?: string;
}

/** Called for every delivered benchmark payload. */
export type PayloadHandler = (fields: PayloadFields) => void;

export interface ConnectOptions {
  protocol: Protocol;
  role: Role;
  target: ConnectTarget;
  localAddress: string;
  timeoutMs: number;
  /** WebSocket client for uWS and RelayBox connections. */
  client: ClientKind;
  /** RelayBox only: `<appId>.<keyId>:<secret>`, sent as a subprotocol. */
  apiKey?: string;
  onPayload: PayloadHandler;
  /** Anything unexpected after the connection was set up: an error frame, a close, a socket error. */
  onProblem: (message: string) => void;
}

export interface BenchConnection {
  /** Sends one benchmark payload (exactly PAYLOAD_BYTES of JSON) to `room`. */
  publish(room: string, payloadJson: string): void;
  /** Publish acknowledgements and rejections seen so far (RelayBox only; others have no acks). */
  readonly acks: number;
  readonly rejections: number;
  /** Closes the TCP connection at once, without a closing handshake. */
  terminate(): void;
}
