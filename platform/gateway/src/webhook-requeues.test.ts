import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WebhookRequeue, WebhookRequeues } from './webhook-requeues.js';

// A local HTTP server stands in for the control plane's internal answer route.
let server: Server;
let url = '';
const answers: Array<{ path: string; auth: string; body: unknown }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      answers.push({ path: req.url ?? '', auth: req.headers.authorization ?? '', body: JSON.parse(body) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"open":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const warnings: string[] = [];
const log = { info: () => {}, warn: (message: string) => void warnings.push(message) };
const event = (requestId: string) => ({
  type: 'webhook-requeue' as const,
  appId: 'app1',
  endpointId: 'wh_1',
  eventId: 'evt_1',
  requestId,
});

describe('WebhookRequeues', () => {
  it('answers requeued, not_found or failed for the request, with the service token', async () => {
    const outcomes: WebhookRequeue[] = [
      async () => ({ jobId: 'evt_1:wh_1:requeue-1' }),
      async () => {
        throw new RelayBoxError(ErrorCode.NotFound, 'no dead letter');
      },
      async () => {
        throw new RelayBoxError(ErrorCode.StoreUnavailable, 'queue unavailable');
      },
    ];
    const results = [];
    for (const [i, requeue] of outcomes.entries()) {
      const requeues = new WebhookRequeues({ url, token: 'tok' }, requeue, log);
      results.push(await requeues.handle(event(`rq_${i}`)));
    }
    expect(results).toEqual([
      { outcome: 'requeued', jobId: 'evt_1:wh_1:requeue-1' },
      { outcome: 'not_found' },
      { outcome: 'failed', message: 'queue unavailable' },
    ]);
    expect(answers).toEqual([
      { path: '/internal/v1/webhooks/requeues/rq_0', auth: 'Bearer tok', body: results[0] },
      { path: '/internal/v1/webhooks/requeues/rq_1', auth: 'Bearer tok', body: results[1] },
      { path: '/internal/v1/webhooks/requeues/rq_2', auth: 'Bearer tok', body: results[2] },
    ]);
  });

  it('never throws when the control plane cannot take the answer', async () => {
    const requeues = new WebhookRequeues(
      { url: 'http://127.0.0.1:1', token: 'tok', requestTimeoutMs: 500 },
      async () => ({ jobId: 'j' }),
      log,
    );
    await expect(requeues.handle(event('rq_lost'))).resolves.toEqual({ outcome: 'requeued', jobId: 'j' });
    expect(warnings).toContain('webhook requeue answer failed');
  });
});
