import type { RoomMessage } from '@relaybox/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { RelayBoxRest } from './relay-box-rest.js';
import { closeServers, json, serve } from './test-support/local-server.js';

const apiKey = 'app1.key1:secret';

afterEach(closeServers);

const stored = (seq: number): RoomMessage => ({
  id: `m${seq}`,
  seq,
  room: 'chat:lobby',
  event: 'message',
  data: { n: seq },
  clientId: 'ann',
  timestamp: 1_700_000_000_000 + seq,
});

describe('RelayBoxRest.history', () => {
  it('GETs a page with the query and the API key as bearer, and pages on with the cursor', async () => {
    const { url, received } = await serve((response, request) => {
      const cursor = new URL(request.url!, 'http://x').searchParams.get('cursor');
      const body =
        cursor === null
          ? { items: [stored(9), stored(8)], hasNext: true, next: 'c/1+=' }
          : { items: [stored(7)], hasNext: false };
      json(200, body)(response, request);
    });
    const rest = new RelayBoxRest({ apiKey, url });
    const page = await rest.history('chat:lobby', {
      direction: 'backwards',
      limit: 2,
      fromSeq: 1,
      toSeq: 9,
      start: 100,
      end: 200,
      event: 'message',
    });
    expect(page.items.map((m) => m.seq)).toEqual([9, 8]);
    expect(page.hasNext).toBe(true);
    const [first] = received;
    expect(first?.method).toBe('GET');
    expect(first?.url).toBe(
      '/v1/rooms/chat%3Alobby/messages?direction=backwards&limit=2&fromSeq=1&toSeq=9&start=100&end=200&event=message',
    );
    expect(first?.headers.authorization).toBe(`Bearer ${apiKey}`);
    expect(first?.headers['content-type']).toBeUndefined();
    expect(first?.body).toBe('');

    const last = await page.next();
    expect(received[1]?.url).toBe(
      '/v1/rooms/chat%3Alobby/messages?direction=backwards&limit=2&fromSeq=1&toSeq=9&start=100&end=200&event=message&cursor=c%2F1%2B%3D',
    );
    expect(last?.items).toEqual([stored(7)]);
    expect(last?.hasNext).toBe(false);
    await expect(last!.next()).resolves.toBeNull();
    expect(received).toHaveLength(2);
  });

  it('sends no query string without params', async () => {
    const { url, received } = await serve(json(200, { items: [], hasNext: false }));
    const page = await new RelayBoxRest({ apiKey, url: `${url}/relay/` }).history('r');
    expect(received[0]?.url).toBe('/relay/v1/rooms/r/messages');
    expect(page).toMatchObject({ items: [], hasNext: false });
  });

  it('checks room and params locally before sending anything', async () => {
    const { url, received } = await serve(json(200, { items: [], hasNext: false }));
    const rest = new RelayBoxRest({ apiKey, url });
    await expect(rest.history('bad room')).rejects.toMatchObject({ code: 'invalid_room_name' });
    await expect(rest.history('r', { limit: 1001 })).rejects.toMatchObject({
      code: 'invalid_request',
      message: expect.stringMatching(/"limit"/),
    });
    await expect(rest.history('r', { start: -1 })).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(rest.history('r', { event: '' })).rejects.toMatchObject({ code: 'invalid_request' });
    expect(received).toHaveLength(0);
  });

  it('maps server errors with their status, and a malformed page to internal_error', async () => {
    const denied = await serve(
      json(403, { error: { code: 'permission_denied', message: 'no history on r' } }),
    );
    await expect(new RelayBoxRest({ apiKey, url: denied.url }).history('r')).rejects.toMatchObject({
      name: 'RelayBoxError',
      code: 'permission_denied',
      status: 403,
      message: 'no history on r',
    });
    const badCursor = await serve(json(400, { error: { code: 'invalid_request', message: 'bad cursor' } }));
    await expect(new RelayBoxRest({ apiKey, url: badCursor.url }).history('r')).rejects.toMatchObject({
      code: 'invalid_request',
      status: 400,
    });
    const malformed = await serve(json(200, { messages: [] }));
    await expect(new RelayBoxRest({ apiKey, url: malformed.url }).history('r')).rejects.toMatchObject({
      code: 'internal_error',
    });
  });
});

describe('RelayBoxRest.presence', () => {
  it('GETs every member of the room with the API key as bearer', async () => {
    const members = [
      { clientId: 'ann', connectionId: 'c1', data: { s: 1 }, enteredAt: 1, updatedAt: 2 },
      { clientId: 'bob', connectionId: 'c2', data: null, enteredAt: 3, updatedAt: 3 },
    ];
    const { url, received } = await serve(json(200, { members }));
    await expect(new RelayBoxRest({ apiKey, url }).presence('chat:lobby')).resolves.toEqual(members);
    expect(received[0]).toMatchObject({
      method: 'GET',
      url: '/v1/rooms/chat%3Alobby/presence',
      headers: expect.objectContaining({ authorization: `Bearer ${apiKey}` }),
    });
  });

  it('maps errors and malformed answers, and checks the room locally', async () => {
    const denied = await serve(
      json(403, { error: { code: 'permission_denied', message: 'no presence on r' } }),
    );
    const rest = new RelayBoxRest({ apiKey, url: denied.url });
    await expect(rest.presence('r')).rejects.toMatchObject({ code: 'permission_denied', status: 403 });
    await expect(rest.presence('a:*')).rejects.toMatchObject({ code: 'invalid_room_name' });
    expect(denied.received).toHaveLength(1);

    const proxy = await serve((response) => response.writeHead(503).end('unavailable'));
    await expect(new RelayBoxRest({ apiKey, url: proxy.url }).presence('r')).rejects.toMatchObject({
      code: 'internal_error',
      status: 503,
    });
    const malformed = await serve(json(200, [{ clientId: 'ann' }]));
    await expect(new RelayBoxRest({ apiKey, url: malformed.url }).presence('r')).rejects.toMatchObject({
      code: 'internal_error',
    });
  });
});
