import type { TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import { get } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { loadUws } from '../uws/load-uws.js';
import { GatewayMetrics } from './gateway-metrics.js';
import { type MetricsRouteOptions, mountMetricsRoute } from './metrics.routes.js';

const { uws } = loadUws();

describe('GET /metrics', () => {
  let listening: us_listen_socket | undefined;

  afterEach(() => {
    if (listening) uws.us_listen_socket_close(listening);
    listening = undefined;
  });

  async function serve(options: MetricsRouteOptions): Promise<string> {
    const app: TemplatedApp = uws.App();
    const metrics = new GatewayMetrics({ processMetrics: false });
    metrics.connectionOpened('alpha');
    mountMetricsRoute(app, metrics, options);
    const socket = await new Promise<us_listen_socket | false>((resolve) =>
      app.listen('127.0.0.1', 0, resolve),
    );
    if (!socket) throw new Error('cannot listen');
    listening = socket;
    return `http://127.0.0.1:${uws.us_socket_local_port(socket as never)}/metrics`;
  }

  /** One request on its own connection (agent: false), so nothing keeps the server busy after a test. */
  const scrape = (url: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; contentType: string; body: string }>((resolve, reject) => {
      get(url, { headers, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'] ?? '', body }),
        );
      }).on('error', reject);
    });

  it('serves the Prometheus text with the registry content type', async () => {
    const response = await scrape(await serve({}));
    expect(response.status).toBe(200);
    expect(response.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(response.body).toContain('relaybox_connections{app="alpha"} 1');
  });

  it('requires the bearer token when one is configured', async () => {
    const url = await serve({ token: 'scrape-secret-123' });
    const missing = await scrape(url);
    expect(missing.status).toBe(401);
    expect(JSON.parse(missing.body)).toEqual({
      error: { code: 'token_missing', message: expect.any(String) },
    });
    const wrong = await scrape(url, { authorization: 'Bearer scrape-secret-124' });
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.body)).toMatchObject({ error: { code: 'api_key_invalid' } });
    const basic = await scrape(url, { authorization: 'Basic c2NyYXBlOnNlY3JldA==' });
    expect(basic.status).toBe(401);
    expect(JSON.parse(basic.body)).toMatchObject({ error: { code: 'token_missing' } });
    const ok = await scrape(url, { authorization: 'Bearer scrape-secret-123' });
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('relaybox_connections');
  });
});
