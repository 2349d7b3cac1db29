import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import { expect } from 'vitest';
import {
  type Session,
  SessionClaimError,
  type SessionClaimRefusal,
  type SessionStore,
} from '../session-store.js';

// What the SessionStore conformance suites (session-store-conformance.ts and
// session-takeover-conformance.ts) share: the context an implementation provides, fixtures, checks.

/** What one conformance test needs from an implementation; created fresh for every test. */
export interface SessionStoreConformanceContext {
  /** A new store (another gateway) sharing sessions and heartbeats with every store of this context. */
  createStore(): SessionStore;
  /** Lets `ms` pass for every expiry of the context: a fake clock advances, or real time is waited. */
  elapse(ms: number): Promise<void>;
  /** Removes what the context created (keys, shared state). Runs after every store was closed. */
  dispose(): Promise<void>;
}

export type SessionStoreConformanceFactory = () =>
  | SessionStoreConformanceContext
  | Promise<SessionStoreConformanceContext>;

export const APP = 'app-1';
export const LONG_MS = 600_000;
/** Short expiries are waited for in real time by Redis: keep them short, with a clear margin. */
export const SHORT_MS = 300;
export const PAST_SHORT_MS = 500;
export const TEST_TIMEOUT_MS = 30_000;

/** A session of `APP`'s client `alice` attached to `gatewayId`. */
export const session = (
  connectionId: string,
  gatewayId: string,
  overrides: Partial<Session> = {},
): Session => ({
  connectionId,
  appId: APP,
  clientId: 'alice',
  gatewayId,
  rooms: {},
  createdAt: 1_700_000_000_000,
  ...overrides,
});

/** Fails unless `promise` rejects with a `SessionClaimError` of this reason and the mapped code. */
export async function expectClaimRefused(
  promise: Promise<unknown>,
  reason: SessionClaimRefusal,
): Promise<SessionClaimError> {
  const error = await promise.then(
    () => new Error('expected a refusal, the claim succeeded'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SessionClaimError);
  expect(error).toBeInstanceOf(RelayBoxError);
  expect((error as SessionClaimError).reason).toBe(reason);
  expect((error as SessionClaimError).code).toBe(
    reason === 'not_found' ? ErrorCode.NotFound : ErrorCode.PermissionDenied,
  );
  expect((error as SessionClaimError).message).toContain(reason);
  return error as SessionClaimError;
}
