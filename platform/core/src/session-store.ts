import { createHash, randomBytes } from 'node:crypto';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';

export interface SessionRoomState {
  subscribed: boolean;
}

/** What a resumed connection gets back: its identity and its rooms. */
export interface Session {
  connectionId: string;
  appId: string;
  clientId: string;
  /** The gateway the session is attached to (or was, when detached). */
  gatewayId: string;
  rooms: Record<string, SessionRoomState>;
  /** ms since epoch, from the creating gateway. */
  createdAt: number;
}

export type SessionState = 'attached' | 'detached';

export interface StoredSession extends Session {
  state: SessionState;
}

export interface SessionClaim {
  connectionId: string;
  appId: string;
  clientId: string;
  /** The resume secret the client presents. Never stored, logged or put in an error. */
  secret: string;
  /** The claiming gateway. */
  gatewayId: string;
  /**
   * Replaces the secret in the same atomic step (the client gets a fresh one on every resume). A claim
   * that brings one may take the session over from a live gateway (the newest connection wins): the
   * rotation fences concurrent claims, since only the first to present the old secret finds it.
   */
  nextSecret?: string;
}

export interface ClaimedSession extends Session {
  /** The gateway the session came from: the same one, another live one, or a dead one. */
  previousGatewayId: string;
  /**
   * `attached`: taken over while still attached to `previousGatewayId` (a takeover: that gateway may
   * still hold the old socket and must close it, see the gateway's session-takeover.ts); `detached`:
   * its socket had closed (or the gateway was swept).
   */
  previousState: SessionState;
}

/**
 * Why a claim was refused; one value per check, in the order they are made. The Redis scripts return
 * them as negative integers (see `SESSION_CLAIM_CODES`).
 */
export const SessionClaimRefusal = {
  /** No claimable session under this id: never created, removed, swept, or its window passed. */
  NotFound: 'not_found',
  /** The id belongs to another app. */
  WrongApp: 'wrong_app',
  /** The id belongs to another client of the app. */
  WrongClient: 'wrong_client',
  /** The secret does not match. */
  WrongSecret: 'wrong_secret',
  /**
   * A claim without `nextSecret` found the session attached to a gateway whose heartbeat is live. Such
   * a claim cannot fence a concurrent one, so it may not take the session over; a rotating claim may.
   */
  Attached: 'attached',
} as const;

export type SessionClaimRefusal = (typeof SessionClaimRefusal)[keyof typeof SessionClaimRefusal];

/** Negative script returns → refusal. */
export const SESSION_CLAIM_CODES: Readonly<Record<number, SessionClaimRefusal>> = {
  [-1]: SessionClaimRefusal.NotFound,
  [-2]: SessionClaimRefusal.WrongApp,
  [-3]: SessionClaimRefusal.WrongClient,
  [-4]: SessionClaimRefusal.WrongSecret,
  [-5]: SessionClaimRefusal.Attached,
};

const REFUSAL_CODE: Readonly<Record<SessionClaimRefusal, ErrorCode>> = {
  not_found: ErrorCode.NotFound,
  wrong_app: ErrorCode.PermissionDenied,
  wrong_client: ErrorCode.PermissionDenied,
  wrong_secret: ErrorCode.PermissionDenied,
  attached: ErrorCode.PermissionDenied,
};

const REFUSAL_TEXT: Readonly<Record<SessionClaimRefusal, string>> = {
  not_found: 'no resumable session (unknown, removed or past its resume window)',
  wrong_app: 'the connection belongs to another app',
  wrong_client: 'the connection belongs to another client',
  wrong_secret: 'the resume secret does not match',
  attached:
    'the connection is still attached to a live gateway (only a resume that rotates the secret may take it over)',
};

/**
 * A refused `SessionStore.claim`. A `RelayBoxError` (name 'RelayBoxError', so it maps to an error
 * frame or HTTP body like any other) whose `reason` says which check failed: `not_found` →
 * `not_found`; every other reason → `permission_denied`.
 */
export class SessionClaimError extends RelayBoxError {
  readonly reason: SessionClaimRefusal;
  readonly connectionId: string;

  constructor(reason: SessionClaimRefusal, connectionId: string) {
    super(
      REFUSAL_CODE[reason],
      `cannot resume connection ${connectionId}: ${REFUSAL_TEXT[reason]} [${reason}]`,
    );
    this.reason = reason;
    this.connectionId = connectionId;
  }
}

/** A new resume secret: 256 random bits, base64url. */
export function createResumeSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** What a store keeps instead of the secret: its sha256, hex (64 characters). */
export function hashResumeSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/**
 * Sessions for resume, and gateway liveness, shared by every gateway.
 *
 * Lifecycle: `create` (attached to its gateway) → `setRoom`/`removeRoom` while attached → `detach`
 * when the socket closes (claimable for `resumeWindowMs`, then gone) → `claim` by the same or any
 * other gateway (attached again, to the claimer) or expiry. `remove` ends it at once. A claim that
 * rotates the secret (`nextSecret`) may also take over a session still attached to a live gateway
 * (takeover: the newest connection wins, as when a client's socket died without its gateway
 * noticing); the claim reports it (`previousState: 'attached'`) so the caller can tell that gateway.
 *
 * Guarantees:
 * - The secret is stored only as its sha256 and compared in constant time. A claim must present the
 *   same appId, clientId and secret; each refusal is a `SessionClaimError` with its own `reason`.
 * - `claim` is atomic. A session is claimable while detached within its window, while attached to a
 *   gateway whose heartbeat has expired (a crashed gateway), and, by a claim with `nextSecret`, while
 *   attached to a live gateway (takeover). Of concurrent claims presenting one secret exactly one
 *   succeeds when all of them rotate it (the later ones find the secret changed: `wrong_secret`) or
 *   none does (the later ones find it attached to the live winner: `attached`). Gateways always rotate.
 * - Mutations made by a gateway (`setRoom`, `removeRoom`, `detach`, and `remove` with a gatewayId) act
 *   only while the session is attached to that gateway and resolve `false` otherwise, so a gateway
 *   that lost a session to a claim (or a takeover it has not heard of yet) cannot change it any more.
 * - Expiry: a detached session disappears `resumeWindowMs` after `detach` (Redis: PX expiry of its
 *   key; memory: its clock), whether or not anyone looks. An attached session has no expiry: it lives
 *   until detached, removed, claimed or swept.
 * - Liveness: `heartbeat(gatewayId, ttlMs)` writes one key per gateway with a ttlMs expiry (one write
 *   per beat, whatever the number of sessions; never a queued job). A gateway is dead once a beat is
 *   not renewed within ttlMs. Gateway ids must be unique per process start: a restarted process with
 *   an old id would make that id's sessions look live.
 * - `sweepGateway` releases every session attached to a dead gateway, through a per-gateway index
 *   (never a keyspace scan), in bounded batches looped until none is left (each session released
 *   atomically, only while still attached to that gateway), and returns them. It releases nothing
 *   of a gateway whose heartbeat is live when a batch starts. Until it runs, a dead gateway's sessions
 *   stay attached (claimable, no expiry): a sweeper must loop `deadGateways` →
 *   `PresenceStore.removeGateway` → `sweepGateway` every few seconds, and a crash between the two
 *   steps is harmless (the gateway stays listed as dead until its sweep completes).
 *
 * Rejects with a retryable `RelayBoxError(store_unavailable)` when the store cannot be reached or
 * after `close()`.
 */
export interface SessionStore {
  /** Stores a new attached session. Rejects `invalid_request` when the connection id is taken. */
  create(session: Session, secret: string): Promise<void>;
  /** Records a joined room or a subscription change. */
  setRoom(connectionId: string, gatewayId: string, room: string, state: SessionRoomState): Promise<boolean>;
  removeRoom(connectionId: string, gatewayId: string, room: string): Promise<boolean>;
  /**
   * The socket closed: the session stays claimable for `resumeWindowMs`, then disappears.
   * A window of 0 removes it at once.
   */
  detach(connectionId: string, gatewayId: string, resumeWindowMs: number): Promise<boolean>;
  /** Attaches the session to the claiming gateway and returns it, or rejects with `SessionClaimError`. */
  claim(claim: SessionClaim): Promise<ClaimedSession>;
  get(connectionId: string): Promise<StoredSession | undefined>;
  /** Ends the session now (a clean close). With `gatewayId`, only while attached to that gateway. */
  remove(connectionId: string, gatewayId?: string): Promise<boolean>;
  /**
   * Marks the gateway alive for `ttlMs`. Resolves `false` when it was not alive just before (the first
   * beat, or a lapse: its sessions may have been swept, so it must drop its connections).
   */
  heartbeat(gatewayId: string, ttlMs: number): Promise<boolean>;
  /** Marks the gateway dead now (a clean shutdown, after its sessions were detached). */
  clearHeartbeat(gatewayId: string): Promise<void>;
  /**
   * Gateways without a live heartbeat among those that ever beat or own sessions and are not swept
   * yet, plus `candidates` (e.g. `PresenceStore.gateways()`).
   */
  deadGateways(candidates?: Iterable<string>): Promise<string[]>;
  /**
   * Releases every session attached to the dead gateway and forgets the gateway. Each one stays
   * claimable (detached) for `resumeWindowMs` so its client can still resume elsewhere; 0 deletes it.
   * Returns the released sessions (with their rooms) so the caller can clean their presence.
   */
  sweepGateway(gatewayId: string, options: { resumeWindowMs: number }): Promise<Session[]>;
  close(): Promise<void>;
}
