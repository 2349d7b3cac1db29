import { connect } from 'node:net';
import { RelayBoxRest } from '@relaybox/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../src/start-gateway.js';
import { ALPHA_FULL, ALPHA_LIMITED, apiKeyOf, BETA, startTestGateway, TestClient, wsUrl } from './harness.js';
import { mintToken } from './tokens.js';

let gw: RunningGateway;
beforeAll(async () => {
  gw = await startTestGateway({ limits: { maxFrameBytes: 2048 } });
});
afterAll(() => gw.shutdown());

async function post(path: string, body: string, authorization?: string) {
  const res = await fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body,
  });
  return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
}
const bearer = (k: Parameters<typeof apiKeyOf>[0]) => `Bearer ${apiKeyOf(k)}`;
const message = JSON.stringify({ event: 'e', data: { a: 1 } });

describe('REST publish', () => {
  it('publishes with an API key and with a token; URL-encoded room names work', async () => {
    const watcher = await TestClient.connect(wsUrl(gw), { apiKey: apiKeyOf(ALPHA_FULL) });
    await watcher.joinAndSubscribe('rest:lobby');
    const viaKey = await post('/v1/rooms/rest%3Alobby/messages', message, bearer(ALPHA_FULL));
    expect(viaKey).toMatchObject({ status: 201, body: { seq: 1 } });
    const token = await mintToken({ ...ALPHA_FULL, clientId: 'tok' });
    const viaToken = await post('/v1/rooms/rest:lobby/messages', message, `Bearer ${token}`);
    expect(viaToken).toMatchObject({ status: 201, body: { seq: 2 } });
    await watcher.waitForMessages('rest:lobby', 2);
    expect(watcher.messages('rest:lobby').map((m) => m.clientId)).toEqual(['server:full', 'tok']);
    await watcher.close();
  });

  it.each([
    ['no credentials', '/v1/rooms/r/messages', message, undefined, 401, 'token_missing'],
    [
      'a wrong secret',
      '/v1/rooms/r/messages',
      message,
      'Bearer alpha.full:wrong-wrong-wrong-1',
      401,
      'api_key_invalid',
    ],
    [
      'a key of another app',
      '/v1/rooms/r/messages',
      message,
      `Bearer alpha.main:${BETA.secret}`,
      401,
      'key_unknown',
    ],
    [
      'no publish permission',
      '/v1/rooms/public:x/messages',
      message,
      bearer(ALPHA_LIMITED),
      403,
      'permission_denied',
    ],
    ['a bad room name', '/v1/rooms/a%20b/messages', message, bearer(ALPHA_FULL), 400, 'invalid_room_name'],
    [
      'bad percent-encoding',
      '/v1/rooms/%E0%A4%A/messages',
      message,
      bearer(ALPHA_FULL),
      400,
      'invalid_room_name',
    ],
    ['a body that is not JSON', '/v1/rooms/r/messages', '{nope', bearer(ALPHA_FULL), 400, 'invalid_request'],
    ['a JSON array body', '/v1/rooms/r/messages', '[]', bearer(ALPHA_FULL), 400, 'invalid_request'],
    ['no event', '/v1/rooms/r/messages', '{"data":1}', bearer(ALPHA_FULL), 400, 'invalid_request'],
    ['no data', '/v1/rooms/r/messages', '{"event":"e"}', bearer(ALPHA_FULL), 400, 'invalid_request'],
    [
      'a body over maxFrameBytes',
      '/v1/rooms/r/messages',
      JSON.stringify({ event: 'e', data: 'x'.repeat(3000) }),
      bearer(ALPHA_FULL),
      413,
      'frame_too_large',
    ],
  ])('refuses %s', async (_name, path, body, auth, status, code) => {
    const res = await post(path, body, auth);
    expect(res.status).toBe(status);
    expect(res.body.error?.code).toBe(code);
  });

  it('answers JSON 404 and 405 for unknown routes and methods', async () => {
    const missing = await fetch(`${gw.url}/v1/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'not_found' } });
    const wrong = await fetch(`${gw.url}/v1/rooms/r/messages`, { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(await wrong.json()).toMatchObject({ error: { code: 'method_not_allowed' } });
  });

  it('answers HEAD with the headers only, so a keep-alive connection stays usable', async () => {
    // Two requests on one connection: a body after the HEAD answer would be read as the next reply.
    const socket = connect(gw.port, '127.0.0.1');
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    const replyCount = () => text.split('HTTP/1.1 ').length - 1;
    const until = async (n: number) => {
      const deadline = Date.now() + 5000;
      while (replyCount() < n || !text.endsWith('\r\n\r\n')) {
        if (Date.now() > deadline) throw new Error(`incomplete: ${JSON.stringify(text)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    socket.write('HEAD /nope HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(1);
    socket.write('HEAD /v1/rooms/r/messages HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(2);
    socket.write('HEAD /v1/admin/overview HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(3);
    socket.write('HEAD /console HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(4);
    socket.destroy();
    const [first, second, admin, console] = text.split(/(?=HTTP\/1\.1 )/);
    expect(admin).toMatch(/^HTTP\/1\.1 40[13] [\s\S]*\r\n\r\n$/);
    expect(console).toMatch(/^HTTP\/1\.1 405 [\s\S]*\r\n\r\n$/);
    expect(first).toMatch(/^HTTP\/1\.1 404 [\s\S]*\r\n\r\n$/);
    expect(second).toMatch(/^HTTP\/1\.1 405 [\s\S]*\r\n\r\n$/);
  });

  it('reports health with the node state', async () => {
    const res = await fetch(`${gw.url}/v1/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', broker: 'connected', connections: 0 });
  });

  it('the REST SDK maps refusals to typed errors', async () => {
    const rest = new RelayBoxRest({ apiKey: apiKeyOf(ALPHA_LIMITED), url: gw.url });
    await expect(rest.publish('public:x', 'e', 1)).rejects.toMatchObject({
      name: 'RelayBoxError',
      code: 'permission_denied',
      status: 403,
      retryable: false,
    });
    const down = new RelayBoxRest({ apiKey: apiKeyOf(ALPHA_FULL), url: 'http://127.0.0.1:1' });
    await expect(down.publish('r', 'e', 1)).rejects.toMatchObject({ code: 'network_error', retryable: true });
  });
});
