import type { TemplatedApp } from 'uWebSockets.js';
import { CloseCode, ErrorCode, FrameError, type Limits } from '@relaybox/protocol';
import type { CredentialSources } from '../auth/credentials.js';
import { selectProtocol } from '../auth/credentials.js';
import type { Principal } from '../auth/principal.js';
import type { ClientSession } from '../client-session.js';
import type { SessionOpening } from '../session-lifecycle.js';
import type { CorkAnchor } from './cork-anchor.js';
import { ResponseGuard } from './http.js';
import type { UwsModule } from './load-uws.js';
import { UwsTransport } from './uws-transport.js';

export const HEARTBEAT_TOPIC = '$heartbeat';

/** What the upgrade decided: who connects, and which session (new or resumed) they get. */
export interface Admission {
  principal: Principal;
  opening: SessionOpening;
  /** The app's own limits (cloud mode); the gateway's when absent. */
  limits?: Readonly<Limits>;
  /** The remote address the upgrade came from. */
  ip?: string;
}

interface UserData {
  admission: Admission;
  transport?: UwsTransport;
  session?: ClientSession;
  /** Frames received between `open` and the session's start. */
  pending?: PendingFrame[];
}

/** A received frame: its text, or null for a binary frame (refused), and its size on the wire. */
interface PendingFrame {
  text: string | null;
  bytes: number;
}

/** Frames a client may send before its session started (it should wait for `connected`). */
const MAX_EARLY_FRAMES = 16;

function deliver(session: ClientSession, frame: PendingFrame): void {
  if (frame.text === null) {
    session.rejectFrame(
      new FrameError(ErrorCode.InvalidFrame, 'binary frames are not supported: send JSON text'),
    );
    return;
  }
  session.handle(frame.text, frame.bytes);
}

export interface WebSocketRouteOptions {
  /** The frame size limit, named in the close reason. */
  maxFrameBytes: number;
  /** Frames above this are closed with 1009 and a reason, unread (smaller ones get an error frame). */
  closeAboveBytes: number;
  /** uWS drops the socket (1006, no close frame) on a frame above this: it is never buffered. */
  maxReadBytes: number;
  maxBufferedBytes: number;
  idleTimeoutSec: number;
  /** The client address for per-IP limits from the peer and `X-Forwarded-For` (see trusted-proxies.ts). */
  clientAddress(peer: string, forwardedFor: string): string;
  /** Corks async upgrades (see cork-anchor.ts). */
  anchor: CorkAnchor;
  /** Authenticates and applies admission limits; rejects with a `RelayBoxError` to refuse the upgrade. */
  admit(sources: CredentialSources, ip: string, origin: string): Promise<Admission>;
  /** The client went away after it was admitted but before the upgrade completed. */
  abandon(admission: Admission): void;
  openSession(transport: UwsTransport, admission: Admission): ClientSession;
  /** `code` is the close code received (1000 = the client closed cleanly), `reason` its text. */
  closeSession(session: ClientSession, code: number, reason: string): void;
}

/**
 * `/v1/ws`: the upgrade is authenticated before it is accepted; a refused upgrade gets an HTTP
 * status and a JSON error body. Everything after `open` is handled by `ClientSession`.
 */
export function mountWebSocketRoute(app: TemplatedApp, uws: UwsModule, options: WebSocketRouteOptions): void {
  app.ws<UserData>('/v1/ws', {
    compression: uws.DISABLED,
    maxPayloadLength: options.maxReadBytes,
    // Hard cap at four times the slow-consumer bound: the sweep closes a slow consumer once it passes
    // the bound, and the headroom lets its 4001 close frame be queued (uWS drops sends past the cap,
    // the close frame included). Memory per connection stays bounded by the cap either way.
    maxBackpressure: options.maxBufferedBytes * 4,
    closeOnBackpressureLimit: false,
    idleTimeout: options.idleTimeoutSec,
    sendPingsAutomatically: true,
    upgrade: (res, req, context) => {
      // Everything needed from `req` must be read now: it is invalid after the first await.
      const secKey = req.getHeader('sec-websocket-key');
      const protocols = req.getHeader('sec-websocket-protocol');
      const extensions = req.getHeader('sec-websocket-extensions');
      const origin = req.getHeader('origin');
      const sources: CredentialSources = {
        queryToken: req.getQuery('token') ?? '',
        queryClientId: req.getQuery('clientId') ?? '',
        protocols,
        authorization: req.getHeader('authorization'),
      };
      const peer = Buffer.from(res.getRemoteAddressAsText()).toString();
      const ip = options.clientAddress(peer, req.getHeader('x-forwarded-for'));
      const guard = new ResponseGuard(res);
      options.admit(sources, ip, origin).then(
        (admission) => {
          if (guard.aborted) {
            options.abandon(admission);
            return;
          }
          options.anchor.corkUpgrade(res, () => {
            res.upgrade<UserData>({ admission }, secKey, selectProtocol(protocols), extensions, context);
          });
        },
        (error: unknown) => guard.error(error),
      );
    },
    open: (ws) => {
      const data = ws.getUserData();
      const transport = new UwsTransport(ws);
      data.transport = transport;
      // The async-upgrade cork bug (see cork-anchor.ts): writing to the new socket from `open` while
      // the upgrade's cork is held makes cork's post-processing tear it down (1006) more often.
      // Touch the socket only once `open` has returned, whichever cork completed the upgrade.
      // A client should wait for `connected`; frames it sends earlier are queued (see `message`).
      setImmediate(() => {
        if (transport.closed) {
          options.abandon(data.admission);
          return;
        }
        ws.cork(() => {
          ws.subscribe(HEARTBEAT_TOPIC);
          const session = options.openSession(transport, data.admission);
          data.session = session;
          for (const frame of data.pending?.splice(0) ?? []) if (!transport.closed) deliver(session, frame);
        });
      });
    },
    message: (ws, message, isBinary) => {
      const data = ws.getUserData();
      if (message.byteLength > options.closeAboveBytes) {
        // Not decoded; the client learns why from the close frame (uWS alone would drop it: 1006).
        const reason = `frame_too_large: frame of ${message.byteLength} bytes is larger than ${options.maxFrameBytes} bytes`;
        ws.end(CloseCode.FrameTooLarge, reason);
        return;
      }
      // The ArrayBuffer is only valid during this callback; decoding copies it.
      const frame: PendingFrame = {
        text: isBinary ? null : Buffer.from(message).toString('utf8'),
        bytes: message.byteLength,
      };
      if (data.session) {
        deliver(data.session, frame);
        return;
      }
      // Frames that arrive before the session opened (see `open`) wait for it, within a bound.
      data.pending ??= [];
      const pending = data.pending;
      if (pending.length >= MAX_EARLY_FRAMES) {
        data.transport?.close(CloseCode.PolicyViolation, 'too many frames before the connection opened');
        return;
      }
      pending.push(frame);
    },
    close: (ws, code, message) => {
      const data = ws.getUserData();
      if (data.transport) data.transport.closed = true;
      // The message buffer is only valid during this callback: decode it now.
      if (data.session) options.closeSession(data.session, code, Buffer.from(message).toString('utf8'));
    },
  });
}
