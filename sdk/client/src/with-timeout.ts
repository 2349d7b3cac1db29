import { ErrorCode, RelayBoxError } from '@relaybox/protocol';

/**
 * Runs `task` and settles within `timeoutMs` either way: on timeout the signal given to the task
 * is aborted and the promise rejects with RelayBoxError 'timeout'.
 */
export function withTimeout<T>(
  task: (signal: AbortSignal) => Promise<T> | T,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const error = new RelayBoxError(ErrorCode.Timeout, `${what} timed out after ${timeoutMs} ms`);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
    Promise.resolve()
      .then(() => task(controller.signal))
      .then(resolve, reject)
      .finally(() => clearTimeout(timer));
  });
}
