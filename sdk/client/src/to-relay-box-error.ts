import { type ErrorCode, RelayBoxError } from '@relaybox/protocol';

/**
 * Returns `error` when it already is a RelayBoxError; otherwise wraps it (as `cause`) in one with
 * `code` and the message `<what>: <original message>`. For errors that come out of user code.
 */
export function toRelayBoxError(error: unknown, code: ErrorCode, what: string): RelayBoxError {
  if (error instanceof RelayBoxError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new RelayBoxError(code, `${what}: ${detail}`, { cause: error });
}
