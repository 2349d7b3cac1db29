import type { TemplatedApp } from 'uWebSockets.js';
import { ErrorCode, FrameError, type Limits } from '@relaybox/protocol';
import type { CredentialSources } from '../auth/credentials.js';
import { selectProtocol } from '../auth/credentials.js';
import type { Principal } from '../auth/principal.js';
import type { ClientSession } from '../client-session.js';
import type { SessionOpening } from '../session-lifecycle.js';
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
}

interface UserData {
  admission: Admission;
  transport?: UwsTransport;
  session?: ClientSession;
}

export interface WebSocketRouteOptions {
  maxPayloadBytes: number;
  maxBufferedBytes: number;
  idleTimeoutSec: number;
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
    maxPayloadLength: options.maxPayloadBytes,
    // Hard cap at four times the slow-consumer bound: the sweep closes a slow consumer once it passes
    // the bound, and the headroom lets its 4001 close frame be queued (uWS drops sends past the cap,
    // the close frame included). Memory per connection stays bounded by the cap either way.
    maxBackpressure: options.maxBufferedBytes * 4,
    closeOnBackpressureLimit: 0,
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
      const ip = Buffer.from(res.getRemoteAddressAsText()).toString();
      const guard = new ResponseGuard(res);
      options.admit(sources, ip, origin).then(
        (admission) => {
          if (guard.aborted) {
            options.abandon(admission);
            return;
          }
          res.cork(() => {
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
      ws.subscribe(HEARTBEAT_TOPIC);
      data.session = options.openSession(transport, data.admission);
    },
    message: (ws, message, isBinary) => {
      const session = ws.getUserData().session;
      if (!session) return;
      if (isBinary) {
        session.rejectFrame(
          new FrameError(ErrorCode.InvalidFrame, 'binary frames are not supported: send JSON text'),
        );
        return;
      }
      // The ArrayBuffer is only valid during this callback; decoding copies it.
      session.handle(Buffer.from(message).toString('utf8'), message.byteLength);
    },
    close: (ws, code, message) => {
      const data = ws.getUserData();
      if (data.transport) data.transport.closed = true;
      // The message buffer is only valid during this callback: decode it now.
      if (data.session) options.closeSession(data.session, code, Buffer.from(message).toString('utf8'));
    },
  });
}
