/** A failed request: the server's `{error:{code, message}}`, or `network_error` when nothing answered. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Sends `init` with `Authorization: Bearer <token>` and parses the JSON answer; throws `ApiError`. */
export async function requestJson<T>(
  url: string,
  token: string | undefined,
  init: RequestInit = {},
): Promise<T> {
  const response = await authorizedFetch(url, token, init);
  const text = await response.text();
  const body: unknown = text ? safeParse(text) : undefined;
  if (!response.ok) throw errorFrom(response.status, body, text);
  return body as T;
}

/** `fetch` with the bearer token; network failures become `ApiError('network_error')`. */
export async function authorizedFetch(
  url: string,
  token: string | undefined,
  init: RequestInit = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token) headers.set('authorization', `Bearer ${token}`);
  if (init.body !== undefined && !headers.has('content-type'))
    headers.set('content-type', 'application/json');
  try {
    return await fetch(url, { ...init, headers });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(
      0,
      'network_error',
      `cannot reach ${new URL(url).origin}: ${(error as Error).message}`,
    );
  }
}

export function postJson<T>(url: string, token: string | undefined, body?: unknown): Promise<T> {
  return requestJson<T>(url, token, {
    method: 'POST',
    body: body === undefined ? '{}' : JSON.stringify(body),
  });
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorFrom(status: number, body: unknown, text: string): ApiError {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (error && typeof error.code === 'string') {
    return new ApiError(status, error.code, typeof error.message === 'string' ? error.message : error.code);
  }
  return new ApiError(status, `http_${status}`, text.slice(0, 200) || `HTTP ${status}`);
}

/** A one-line description of any error, for error states. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return `${error.message} (${error.code})`;
  return error instanceof Error ? error.message : String(error);
}
