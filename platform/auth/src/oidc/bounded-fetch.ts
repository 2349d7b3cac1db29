import { AuthProviderError, AuthProviderErrorCode } from '../auth-provider-error.js';

/** Bounds of every request to a provider (discovery, JWKS, token, userinfo, GitHub API). */
export interface ProviderHttpLimits {
  timeoutMs: number;
  /** Largest accepted response body. */
  maxBytes: number;
}

export const DEFAULT_HTTP_LIMITS: ProviderHttpLimits = { timeoutMs: 5_000, maxBytes: 256 * 1024 };

export interface ProviderResponse {
  status: number;
  /** The JSON body, or undefined when the body is not JSON. */
  json: unknown;
}

/**
 * One request within the bounds; never follows redirects (a provider endpoint that redirects is
 * misconfigured, and following could leak the client secret elsewhere). A network failure, timeout or
 * oversized body is `oauth_provider_unavailable`; HTTP error statuses are returned to the caller,
 * which knows what a 400 of that endpoint means.
 */
export async function providerFetch(
  url: string,
  init: RequestInit,
  limits: ProviderHttpLimits,
): Promise<ProviderResponse> {
  let response: Response;
  try {
    response = await fetch(url, {
      ...init,
      redirect: 'error',
      signal: AbortSignal.timeout(limits.timeoutMs),
      headers: { accept: 'application/json', 'user-agent': 'relaybox-auth', ...init.headers },
    });
  } catch (error) {
    throw unavailable(`${new URL(url).origin} did not answer within ${limits.timeoutMs} ms`, error);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (response.body) {
    const reader = response.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > limits.maxBytes) {
          await reader.cancel();
          throw unavailable(`${new URL(url).origin} answered more than ${limits.maxBytes} bytes`);
        }
        chunks.push(value);
      }
    } catch (error) {
      if (error instanceof AuthProviderError) throw error;
      throw unavailable(`${new URL(url).origin} broke off its answer`, error);
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    json = undefined;
  }
  return { status: response.status, json };
}

export function unavailable(message: string, cause?: unknown): AuthProviderError {
  return new AuthProviderError(
    AuthProviderErrorCode.ProviderUnavailable,
    message,
    cause === undefined ? undefined : { cause },
  );
}

/** A JSON object or undefined (provider answers are untrusted input). */
export function objectOf(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
