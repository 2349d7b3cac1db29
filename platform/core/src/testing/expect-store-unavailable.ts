import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import { expect } from 'vitest';

/** Fails unless `promise` rejects with a retryable `RelayBoxError(store_unavailable)`. */
export async function expectStoreUnavailable(promise: Promise<unknown>): Promise<RelayBoxError> {
  const error = await promise.then(
    () => new Error('expected a rejection, the promise resolved'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RelayBoxError);
  expect((error as RelayBoxError).code).toBe(ErrorCode.StoreUnavailable);
  expect((error as RelayBoxError).retryable).toBe(true);
  return error as RelayBoxError;
}
