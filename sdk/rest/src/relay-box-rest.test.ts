import { afterEach, describe, expect, it } from 'vitest';
import { RelayBoxRest } from './relay-box-rest.js';
import { closeServers, json, serve } from './test-support/local-server.js';

const apiKey = 'app1.key1:secret';

afterEach(closeServers);

describe('RelayBoxRest.publish', () => {
  it('POSTs the message with the API key as bearer and returns the stored id and seq', async () => {
    const { url, received } = await serve(json(201, { id: 'm1', seq: 4, timestamp: 1_700_000_000_000 }));
    const rest = new RelayBoxRest({ apiKey, url: `${url}/` });
    const ack = await rest.publish('chat:lobby', 'message', { text: 'hi' }, { idempotencyKey: 'k-1' });
    expect(ack).toEqual({ id: 'm1', seq: 4, timestamp: 1_700_000_000_000 });
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/v1/rooms/chat%3Alobby/messages');
    expect(request?.headers.authorization).toBe(`Bearer ${apiKey}`);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request!.body)).toEqual({
      event: 'message',
      data: { text: 'hi' },
      idempotencyKey: 'k-1',
    });
  });

  it('keeps a path prefix of the base URL and sends null for undefined data', async () => {
    const { url, received } = await serve(json(201, { id: 'm1', seq: 1, timestamp: 1 }));
    await new RelayBoxRest({ apiKey, url: `${url}/relay` }).publish('r', 'e', undefined);
    expect(received[0]?.url).toBe('/relay/v1/rooms/r/messages');
    expect(JSON.parse(received[0]!.body)).toEqual({ event: 'e', data: null });
  });

  it('rebuilds the server error from its body, keeping the HTTP status', async () => {
    const { url } = await serve(
      json(403, { error: { code: 'permission_denied', message: 'no publish on r' } }),
    );
    await expect(new RelayBoxRest({ apiKey, url }).publish('r', 'e', 1)).rejects.toMatchObject({
      name: 'RelayBoxError',
      code: 'permission_denied',
      message: 'no publish on r',
      status: 403,
      retryable: false,
    });
  });

  it('maps a non-JSON error (a proxy page) to internal_error with the real status', async () => {
    const { url } = await serve((response) => response.writeHead(502).end('<html>bad gateway</html>'));
    await expect(new RelayBoxRest({ apiKey, url }).publish('r', 'e', 1)).rejects.toMatchObject({
      code: 'internal_error',
      status: 502,
      retryable: true,
    });
  });

  it('times out when the server does not answer', async () => {
    const { url } = await serve(() => {});
    const publishing = new RelayBoxRest({ apiKey, url, timeoutMs: 100 }).publish('r', 'e', 1);
    await expect(publishing).rejects.toMatchObject({ code: 'timeout', retryable: true });
  });

  it('reports an unreachable server as network_error with the cause', async () => {
    const { url, server } = await serve(json(201, {}));
    await new Promise((resolve) => server.close(resolve));
    const error = await new RelayBoxRest({ apiKey, url }).publish('r', 'e', 1).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'network_error', retryable: true });
    expect((error as Error).cause).toBeInstanceOf(Error);
    expect((error as Error).message).not.toContain('secret');
  });

  it('validates room, event and idempotency key before sending anything', async () => {
    const { url, received } = await serve(json(201, {}));
    const rest = new RelayBoxRest({ apiKey, url });
    await expect(rest.publish('bad room', 'e', 1)).rejects.toMatchObject({ code: 'invalid_room_name' });
    await expect(rest.publish('chat:*', 'e', 1)).rejects.toMatchObject({ code: 'invalid_room_name' });
    await expect(rest.publish('r', '', 1)).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(rest.publish('r', 'e', 1, { idempotencyKey: '' })).rejects.toMatchObject({
      code: 'invalid_request',
    });
    expect(received).toHaveLength(0);
  });

  it('rejects a 2xx answer that is not a publish result', async () => {
    const { url } = await serve(json(201, { ok: true }));
    await expect(new RelayBoxRest({ apiKey, url }).publish('r', 'e', 1)).rejects.toMatchObject({
      code: 'internal_error',
    });
  });
});
