import { describe, expect, it } from 'vitest';
import { WebSocket as NodeWebSocket } from 'ws';
import { RelayBox } from './relay-box.js';
import type { RelayBoxOptions, WebSocketConstructor } from './relay-box-options.js';
import { fakeWebSocketClass } from './test-support/fake-web-socket.js';

const { WebSocket } = fakeWebSocketClass();

describe('RelayBox options', () => {
  it.each<[string, Partial<RelayBoxOptions>, RegExp]>([
    ['no credential', {}, /exactly one of/],
    ['two credentials', { token: 'a.b.c', apiKey: 'a.b:c' }, /got token, apiKey/],
    ['a bad api key', { apiKey: 'secret' }, /<appId>.<keyId>:<secret>/],
    ['a token with spaces', { token: 'a b' }, /JWT/],
    ['no url', { token: 'a.b.c', url: [] }, /url is required/],
    ['a relative url', { token: 'a.b.c', url: '/v1/ws' }, /absolute/],
    ['min > max', { token: 'a.b.c', minReconnectDelayMs: 10, maxReconnectDelayMs: 5 }, /must not exceed/],
    ['a negative timeout', { token: 'a.b.c', requestTimeoutMs: -1 }, /positive/],
    ['an empty clientId', { token: 'a.b.c', clientId: '' }, /clientId/],
  ])('rejects %s with invalid_options', (_, options, message) => {
    const create = () => new RelayBox({ url: 'ws://h/v1/ws', WebSocket, ...options });
    expect(create).toThrow(expect.objectContaining({ code: 'invalid_options' }));
    expect(create).toThrow(message);
  });

  it('needs a WebSocket implementation when there is no global one', () => {
    const global = globalThis as { WebSocket?: unknown };
    const saved = global.WebSocket;
    delete global.WebSocket;
    try {
      expect(() => new RelayBox({ url: 'ws://h/v1/ws', token: 'a.b.c' })).toThrow(/ws package/);
    } finally {
      if (saved !== undefined) global.WebSocket = saved;
    }
  });

  it('accepts the ws package and the browser WebSocket types', () => {
    const fromWs: WebSocketConstructor = NodeWebSocket;
    const fromDom: WebSocketConstructor | undefined = globalThis.WebSocket;
    expect(typeof fromWs).toBe('function');
    expect(fromDom === undefined || typeof fromDom === 'function').toBe(true);
    const relay = new RelayBox({ url: 'ws://h/v1/ws', apiKey: 'app.key:secret', WebSocket: NodeWebSocket });
    expect(relay.connection.state).toBe('initialized');
    expect(relay.clientId).toBeUndefined();
  });
});
