import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningGateway } from '../src/start-gateway.js';
import { ALPHA_FULL, apiKeyOf, startTestGateway } from './harness.js';

let gw: RunningGateway;
beforeAll(async () => {
  gw = await startTestGateway({ idleTimeoutSec: 8 });
});
afterAll(() => gw.shutdown());

it('pings an idle client and closes it when it never answers', { timeout: 40_000 }, async () => {
  const socket = connect(gw.port, '127.0.0.1');
  const protocol = `relaybox.apikey.${Buffer.from(apiKeyOf(ALPHA_FULL)).toString('base64url')}`;
  socket.write(
    [
      'GET /v1/ws HTTP/1.1',
      `Host: 127.0.0.1:${gw.port}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
      'Sec-WebSocket-Version: 13',
      `Sec-WebSocket-Protocol: relaybox.v1, ${protocol}`,
      '',
      '',
    ].join('\r\n'),
  );
  // A client that reads but never writes (no pong, no frames): a dead peer behind a live TCP link.
  let received = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    received = Buffer.concat([received, chunk]);
  });
  const started = Date.now();
  await new Promise<void>((resolve) => socket.on('close', () => resolve()));
  const elapsed = Date.now() - started;
  const text = received.toString('latin1');
  expect(text.startsWith('HTTP/1.1 101')).toBe(true);
  expect(text).toContain('"type":"connected"');
  expect(received.includes(0x89)).toBe(true); // a ping frame was sent before giving up
  expect(elapsed).toBeGreaterThan(6_000);
  expect(gw.gateway.stats().connections).toBe(0);
});
