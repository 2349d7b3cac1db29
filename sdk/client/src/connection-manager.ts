import {
  CloseCode,
  type ConnectedFrame,
  DEFAULT_LIMITS,
  ErrorCode,
  isReconnectCloseCode,
  parseServerFrame,
  RelayBoxError,
  type ServerFrame,
} from '@relaybox/protocol';
import { AuthProvider, type UpgradeCredentials } from './auth-provider.js';
import { Backoff } from './backoff.js';
import { closeCodeError } from './close-code-error.js';
import { ConnectWaiters } from './connect-waiters.js';
import type { ConnectionEvents, ConnectionState, StateChange } from './connection.js';
import { Emitter } from './emitter.js';
import type { ResolvedOptions } from './relay-box-options.js';
import { type RequestFrame, RequestTracker } from './request-tracker.js';
import { ResumeOffer } from './resume-offer.js';
import type { RoomFrame } from './server-frame.js';
import { SocketTransport } from './socket-transport.js';
import { withQuery } from './socket-url.js';
import { toRelayBoxError } from './to-relay-box-error.js';
import { TokenRefresher } from './token-refresher.js';
import { Watchdog } from './watchdog.js';

/** How the manager tells the room layer about the link. */
export interface ConnectionHooks {
  /**
   * The server acknowledged a socket; `resumed` when it took the previous connection over (same
   * connectionId, rooms and presence kept). Restore frames sent now precede anything sent from
   * statechange listeners.
   */
  onConnected(resumed: boolean): void;
  /** A message, discontinuity or presence event of a room; only while connected. */
  onRoomFrame(frame: RoomFrame): void;
  /** The socket that was connected is gone. */
  onDisconnected(): void;
}

/** Silence tolerated beyond two heartbeat intervals before the link is declared dead. */
export const HEARTBEAT_MARGIN_MS = 3_000;

/**
 * The connection state machine. Every state change goes through `setState`, which emits
 * 'statechange'; every socket teardown goes through `disconnect(code, reason, reconnect)`. Each socket
 * gets a transport id; callbacks carrying an older id (a socket already given up) are ignored.
 */
export class ConnectionManager {
  readonly events = new Emitter<ConnectionEvents>((error, event) => this.reportListenerError(error, event));
  private stateValue: ConnectionState = 'initialized';
  private reasonValue: RelayBoxError | undefined;
  private transport: SocketTransport | undefined;
  private transportId = 0;
  /** True between the `connected` frame and the teardown of that socket: requests may be sent. */
  private ready = false;
  private urlIndex = 0;
  private disconnectedSince = 0;
  private connectTimer: ReturnType<typeof setTimeout> | undefined;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly waiters: ConnectWaiters;
  private readonly backoff: Backoff;
  private readonly auth: AuthProvider;
  private readonly requests: RequestTracker;
  private readonly watchdog = new Watchdog();
  private readonly refresher: TokenRefresher;
  private readonly resume = new ResumeOffer();
  connectionId: string | undefined;
  clientId: string | undefined;
  private maxFrameBytes = Number.POSITIVE_INFINITY;
  /** The server's bound on presence data (from `connected`); the protocol default until then. */
  maxPresenceDataBytes: number = DEFAULT_LIMITS.maxPresenceDataBytes;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly hooks: ConnectionHooks,
  ) {
    this.clientId = options.clientId;
    this.waiters = new ConnectWaiters(options.suspendedAfterMs);
    this.backoff = new Backoff(options.minReconnectDelayMs, options.maxReconnectDelayMs);
    this.auth = new AuthProvider(options.credential, options.clientId, options.requestTimeoutMs);
    this.requests = new RequestTracker(options.requestTimeoutMs);
    this.refresher = new TokenRefresher(
      this.auth,
      (token) => this.request({ type: 'refresh', token }),
      (error) => this.events.emit('error', error),
    );
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  /** True between the server's `connected` frame and the socket's teardown. */
  get canSend(): boolean {
    return this.ready;
  }

  get reason(): RelayBoxError | undefined {
    return this.reasonValue;
  }

  /**
   * Resolves on 'connected'. Rejects on 'failed' or 'closed', and on 'suspended' (the connection keeps
   * retrying in the background), so the promise settles within `suspendedAfterMs` at most.
   */
  connect(): Promise<void> {
    if (this.stateValue === 'connected') return Promise.resolve();
    const promise = this.waiters.add();
    if (this.stateValue !== 'connecting') {
      if (this.stateValue === 'initialized' || this.stateValue === 'closed' || this.stateValue === 'failed') {
        this.disconnectedSince = Date.now();
        this.backoff.reset();
      }
      this.startAttempt();
    }
    return promise;
  }

  close(): void {
    this.disconnect(CloseCode.Normal, undefined, false);
  }

  /** Sends a request on the connected socket; rejects at once with 'connection_closed' when there is none. */
  request<R>(frame: RequestFrame): Promise<R> {
    const transport = this.transport;
    if (!this.ready || !transport) {
      return Promise.reject(
        new RelayBoxError(ErrorCode.ConnectionClosed, `not connected (${this.stateValue})`),
      );
    }
    return this.requests.start<R>(frame, (numbered) => {
      const text = JSON.stringify(numbered);
      if (
        text.length * 3 > this.maxFrameBytes &&
        new TextEncoder().encode(text).length > this.maxFrameBytes
      ) {
        throw new RelayBoxError(ErrorCode.FrameTooLarge, `frame exceeds ${this.maxFrameBytes} bytes`);
      }
      transport.send(text);
    });
  }

  private startAttempt(): void {
    this.clearTimers();
    const id = ++this.transportId;
    this.setState('connecting');
    if (id !== this.transportId) return; // a statechange listener closed or restarted the connection
    this.connectTimer = setTimeout(() => {
      const error = new RelayBoxError(
        ErrorCode.Timeout,
        `not connected within ${this.options.connectTimeoutMs} ms`,
      );
      this.disconnect(CloseCode.HeartbeatTimeout, error, true);
    }, this.options.connectTimeoutMs);
    this.auth.upgradeCredentials().then(
      (credentials) => {
        if (id === this.transportId) this.openSocket(id, credentials);
      },
      (error: unknown) => {
        if (id !== this.transportId) return;
        const reason = toRelayBoxError(error, ErrorCode.AuthEndpointFailed, 'could not obtain a token');
        this.disconnect(CloseCode.Unauthorized, reason, reason.retryable);
      },
    );
  }

  private openSocket(id: number, credentials: UpgradeCredentials): void {
    const url = withQuery(this.options.urls[this.urlIndex]!, credentials.query);
    const resume = this.resume.protocol;
    const protocols = resume ? [...credentials.protocols, resume] : credentials.protocols;
    try {
      this.transport = SocketTransport.open(this.options.WebSocket, url, protocols, {
        onText: (text) => {
          if (id === this.transportId) this.onText(text);
        },
        onClose: (code, reason) => {
          if (id === this.transportId) this.onSocketClose(code, reason);
        },
        onRefused: (status, error) => {
          if (id !== this.transportId) return;
          // 401/403: the credentials were rejected, retrying cannot help. Anything else (429, 503) can pass.
          const fatal = status === 401 || status === 403;
          this.disconnect(fatal ? CloseCode.Unauthorized : CloseCode.InternalError, error, !fatal);
        },
      });
    } catch (cause) {
      const error = new RelayBoxError(ErrorCode.NetworkError, `cannot open a WebSocket to ${url}`, { cause });
      this.disconnect(CloseCode.InternalError, error, true);
    }
  }

  private onText(text: string): void {
    this.watchdog.kick();
    const frame = parseServerFrame(text);
    if (frame) this.onFrame(frame);
  }

  private onFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case 'connected':
        this.onConnected(frame);
        return;
      case 'message':
      case 'discontinuity':
      case 'presence':
      case 'metrics':
        if (this.ready) this.hooks.onRoomFrame(frame);
        return;
      case 'ack':
        this.requests.settle(frame.ref, frame.result);
        return;
      case 'error': {
        const error = RelayBoxError.fromBody(frame);
        if (typeof frame.ref !== 'number' || !this.requests.settle(frame.ref, undefined, error)) {
          this.events.emit('error', error);
        }
        return;
      }
      case 'heartbeat':
        return;
    }
  }

  private onConnected(frame: ConnectedFrame): void {
    if (this.ready) return;
    clearTimeout(this.connectTimer);
    this.ready = true;
    this.connectionId = frame.connectionId;
    this.clientId = frame.clientId;
    this.resume.remember(frame);
    this.maxFrameBytes = frame.limits?.maxFrameBytes ?? Number.POSITIVE_INFINITY;
    this.maxPresenceDataBytes = frame.limits?.maxPresenceDataBytes ?? DEFAULT_LIMITS.maxPresenceDataBytes;
    this.backoff.reset();
    this.auth.noteServerExpiry(frame.expiresAt);
    if (frame.heartbeatMs > 0) {
      const silence = 2 * frame.heartbeatMs + HEARTBEAT_MARGIN_MS;
      this.watchdog.arm(silence, () => {
        const error = new RelayBoxError(
          ErrorCode.Timeout,
          `nothing received from the server for ${silence} ms`,
        );
        this.disconnect(CloseCode.HeartbeatTimeout, error, true);
      });
    }
    this.refresher.start();
    const id = this.transportId;
    this.hooks.onConnected(frame.resumed === true);
    if (id === this.transportId) this.setState('connected');
  }

  /** The range of the close code decides (isReconnectCloseCode); before `connected` any non-41xx close is retried. */
  private onSocketClose(code: number, text: string): void {
    if (!isReconnectCloseCode(code) && code !== CloseCode.Normal) {
      this.disconnect(code, closeCodeError(code, text), false);
    } else if (code === CloseCode.Normal && this.ready) {
      this.disconnect(code, undefined, false); // the server ended the connection on purpose
    } else {
      const what = this.ready ? 'connection lost' : 'could not connect';
      const error = new RelayBoxError(
        ErrorCode.ConnectionClosed,
        `${what} (${code}${text ? ` ${text}` : ''})`,
      );
      this.disconnect(code, error, true);
    }
  }

  /**
   * The one teardown path: drops the socket (its late callbacks become stale), rejects pending
   * requests with 'connection_closed', then either schedules a reconnect ('disconnected', or
   * 'suspended' once disconnected for `suspendedAfterMs`; it offers to resume the connection) or
   * ends in 'closed' (code 1000) / 'failed'.
   */
  private disconnect(code: number, reason: RelayBoxError | undefined, reconnect: boolean): void {
    const wasReady = this.ready;
    this.transportId++;
    this.ready = false;
    this.transport?.close(code, reason?.message ?? '');
    this.transport = undefined;
    this.clearTimers();
    this.watchdog.stop();
    this.refresher.stop();
    const message = reason ? `connection closed: ${reason.message}` : 'connection closed';
    this.requests.rejectAll(new RelayBoxError(ErrorCode.ConnectionClosed, message, { cause: reason }));
    if (wasReady) this.hooks.onDisconnected();
    if (!reconnect) {
      this.resume.forget(); // a later connect() is a new connection
      this.setState(code === CloseCode.Normal ? 'closed' : 'failed', reason);
      return;
    }
    if (wasReady) this.disconnectedSince = Date.now();
    this.urlIndex = (this.urlIndex + 1) % this.options.urls.length;
    const suspended = Date.now() - this.disconnectedSince >= this.options.suspendedAfterMs;
    const delay = suspended ? this.options.maxReconnectDelayMs : this.backoff.next();
    this.reconnectTimer = setTimeout(() => this.startAttempt(), delay);
    this.setState(suspended ? 'suspended' : 'disconnected', reason, delay);
  }

  /** The state funnel: settles connect() promises, then emits 'statechange'. Same state: no event. */
  private setState(current: ConnectionState, reason?: RelayBoxError, retryIn?: number): void {
    const previous = this.stateValue;
    if (previous === current) return;
    this.stateValue = current;
    this.reasonValue = reason;
    this.waiters.settle(current, reason);
    const change: StateChange = { previous, current };
    if (reason) change.reason = reason;
    if (retryIn !== undefined) change.retryIn = retryIn;
    this.events.emit('statechange', change);
  }

  private clearTimers(): void {
    clearTimeout(this.connectTimer);
    clearTimeout(this.reconnectTimer);
    this.connectTimer = undefined;
    this.reconnectTimer = undefined;
  }

  private reportListenerError(error: unknown, event: keyof ConnectionEvents): void {
    if (event === 'error') {
      // Nowhere left to report it without recursing.
      globalThis.console?.error('RelayBox: an error listener threw', error);
      return;
    }
    this.events.emit(
      'error',
      toRelayBoxError(error, ErrorCode.Internal, `a "${String(event)}" listener threw`),
    );
  }
}
