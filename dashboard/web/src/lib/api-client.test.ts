import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, apiRequest, setCsrfToken } from './api-client.js';

const answer = (status: number, body: string, type = 'application/json') =>
  vi.fn(
    async () => new Response(status === 204 ? null : body, { status, headers: { 'content-type': type } }),
  );

afterEach(() => {
  vi.unstubAllGlobals();
  setCsrfToken(null);
});

describe('apiRequest', () => {
  it('sends JSON with the CSRF token on non-GET requests only, same-origin credentials', async () => {
    const fetch = answer(200, '{"ok":true}');
    vi.stubGlobal('fetch', fetch);
    setCsrfToken('csrf-1');
    await apiRequest('/api/apps', { method: 'POST', body: { name: 'x' } });
    await apiRequest('/api/apps');
    const [post, get] = fetch.mock.calls as unknown as [[string, RequestInit], [string, RequestInit]];
    expect(post[1]).toMatchObject({
      method: 'POST',
      credentials: 'same-origin',
      body: '{"name":"x"}',
      headers: { 'content-type': 'application/json', 'x-csrf-token': 'csrf-1' },
    });
    expect(get[1].headers).not.toHaveProperty('x-csrf-token');
  });

  it('turns the API error body into an ApiError with its code and message', async () => {
    vi.stubGlobal('fetch', answer(404, '{"error":{"code":"not_found","message":"app not found"}}'));
    const error = await apiRequest('/api/apps/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'not_found', status: 404, message: 'app not found' });
  });

  it('explains a proxy error page and an unreachable server', async () => {
    vi.stubGlobal('fetch', answer(502, '<html>Bad Gateway</html>', 'text/html'));
    await expect(apiRequest('/api/apps')).rejects.toMatchObject({
      status: 502,
      message: expect.stringMatching(/unavailable \(HTTP 502\)/),
    });
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))),
    );
    await expect(apiRequest('/api/apps')).rejects.toMatchObject({ code: 'network_error', status: 0 });
  });

  it('resolves 204 to undefined', async () => {
    vi.stubGlobal('fetch', answer(204, ''));
    await expect(apiRequest('/api/apps/x', { method: 'DELETE' })).resolves.toBeUndefined();
  });
});
