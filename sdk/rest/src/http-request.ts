import { ErrorCode, RelayBoxError } from '@relaybox/protocol';

/** The subset of `fetch` the REST client uses. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
}

/**
 * Sends a JSON request and returns the parsed JSON body of a 2xx answer. Every failure is a
 * RelayBoxError: a non-2xx answer is rebuilt from its `{error: {code, message}}` body with `status`
 * set to the HTTP status; no answer within `timeoutMs` (body included) is 'timeout'; a network
 * failure is 'network_error' with the original error as `cause`.
 */
export async function requestJson(
  fetchImpl: FetchLike,
  request: HttpRequest,
  timeoutMs: number,
): Promise<unknown> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  let response: Response;
  let text: string;
  try {
    response = await fetchImpl(request.url, {
      method: request.method,
      headers: {
        accept: 'application/json',
        ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...request.headers,
      },
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: controller.signal,
    });
    text = await response.text();
  } catch (cause) {
    if (controller.signal.aborted) {
      throw new RelayBoxError(
        ErrorCode.Timeout,
        `${request.method} ${request.url} timed out after ${timeoutMs} ms`,
        {
          cause,
        },
      );
    }
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new RelayBoxError(ErrorCode.NetworkError, `${request.method} ${request.url} failed: ${detail}`, {
      cause,
    });
  } finally {
    clearTimeout(timer);
  }
  const body = parseJson(text);
  if (response.ok) return body;
  const error = RelayBoxError.fromBody(body, `HTTP ${response.status} from ${request.method} ${request.url}`);
  // What the server (or a proxy in front of it) answered, which the code's default status may not be.
  Object.defineProperty(error, 'status', { value: response.status, enumerable: true });
  throw error;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
