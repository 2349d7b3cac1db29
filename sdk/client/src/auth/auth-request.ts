import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import type { FetchLike } from '../relay-box-options.js';

/**
 * One call of the auth API: JSON in and out, a bearer token when given. A refusal is rebuilt from
 * its `{error:{code,message}}` body; no answer within `timeoutMs` is `timeout`; a network failure
 * `network_error`. Never sends cookies: the auth routes take tokens only.
 */
export async function authRequest(
  fetchImpl: FetchLike,
  method: 'GET' | 'POST' | 'PATCH',
  url: string,
  options: { body?: unknown; bearer?: string; timeoutMs: number },
): Promise<Record<string, unknown> | undefined> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  let response: Response;
  let text: string;
  try {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
    response = await fetchImpl(url, {
      method,
      headers,
      credentials: 'omit',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: controller.signal,
    });
    text = await response.text();
  } catch (cause) {
    if (controller.signal.aborted) {
      throw new RelayBoxError(ErrorCode.Timeout, `${method} ${url} timed out after ${options.timeoutMs} ms`);
    }
    throw new RelayBoxError(ErrorCode.NetworkError, `${method} ${url} failed`, { cause });
  } finally {
    clearTimeout(timer);
  }
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!response.ok) throw RelayBoxError.fromBody(body, `HTTP ${response.status} from ${method} ${url}`);
  return body as Record<string, unknown> | undefined;
}
