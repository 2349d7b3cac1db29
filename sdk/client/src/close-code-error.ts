import { CloseCode, ErrorCode, isErrorCode, RelayBoxError } from '@relaybox/protocol';

const CLOSE_CODE_ERRORS: Readonly<Record<number, ErrorCode>> = {
  [CloseCode.Unauthorized]: ErrorCode.PermissionDenied,
  [CloseCode.TokenExpired]: ErrorCode.TokenExpired,
  [CloseCode.PolicyViolation]: ErrorCode.InvalidRequest,
  [CloseCode.ConnectionLimit]: ErrorCode.AppConnectionLimit,
};

/**
 * The error of a 4100-4199 close (the connection goes to 'failed'). Its message is the server's
 * close reason; its code comes from the close code, or from the reason when the reason starts with
 * an error code (`token_client_mismatch: ...`).
 */
export function closeCodeError(code: number, reason: string): RelayBoxError {
  const prefix = /^([a-z_]+):/.exec(reason)?.[1];
  const errorCode = isErrorCode(prefix) ? prefix : (CLOSE_CODE_ERRORS[code] ?? ErrorCode.PermissionDenied);
  return new RelayBoxError(errorCode, reason || `connection refused by the server (close code ${code})`);
}
