/**
 * The one way the dashboard talks to the control-plane API (docs/control-plane.md): same-origin
 * fetch with the session cookie, the CSRF token on every non-GET request, and every failure
 * (HTTP error body, proxy error page, network down) turned into an `ApiError` whose `message`
 * the UI shows as is.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly code: string;
  /** HTTP status, or 0 when the request never got an answer. */
  readonly status: number;

  constructor(code: string, status: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.status = status;
  }
}

let csrfToken: string | null = null;

/** Set from the signup/login responses and `GET /api/auth/me`; cleared on sign-out. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  body?: unknown;
}

export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch (cause) {
    throw new ApiError('network_error', 0, 'Could not reach the control plane. Check your connection.', {
      cause,
    });
  }
  if (response.status === 204) return undefined as T;
  const payload = await readJson(response);
  if (!response.ok) throw errorFrom(response, payload);
  return payload as T;
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function errorFrom(response: Response, payload: unknown): ApiError {
  const error = (payload as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (error && typeof error.code === 'string' && typeof error.message === 'string') {
    return new ApiError(error.code, response.status, error.message);
  }
  // Not the API answering (e.g. a proxy's 502 page while the control plane is down).
  return new ApiError(
    response.status >= 500 ? 'unavailable' : 'http_error',
    response.status,
    `The control plane is unavailable (HTTP ${response.status}). Try again in a moment.`,
  );
}

export function isApiError(error: unknown, status?: number): error is ApiError {
  return error instanceof ApiError && (status === undefined || error.status === status);
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : 'Something went wrong.';
}
