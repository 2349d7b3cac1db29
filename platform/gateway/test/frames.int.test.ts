import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../src/start-gateway.js';
import { ALPHA_FULL, apiKeyOf, startTestGateway, TestClient, wsUrl } from './harness.js';

let gw: RunningGateway;
let client: TestClient;
let bystander: TestClient;

beforeAll(async () => {
  gw = await startTestGateway({ limits: { maxFrameBytes: 4096, maxFrameReadBytes: 64 * 1024 } });
  client = await TestClient.connect(wsUrl(gw), { apiKey: apiKeyOf(ALPHA_FULL), clientId: 'sender' });
  bystander = await TestClient.connect(wsUrl(gw), { apiKey: apiKeyOf(ALPHA_FULL), clientId: 'bystander' });
  await bystander.joinAndSubscribe('watch');
});
afterAll(async () => {
  await Promise.all([client.close(), bystander.close()]);
  await gw.shutdown();
});

/** Sends a raw frame and returns the next error frame that arrives. */
async function errorFor(
  raw: string | Buffer,
): Promise<{ ref?: number; error: { code: string; message: string } }> {
  const before = client.frames.length;
  client.ws.send(raw);
  const frame = await client.waitFor((f) => f.type === 'error' && client.frames.indexOf(f) >= before);
  return frame as never;
}

describe('bad frames get an error frame and the gateway keeps serving', () => {
  it.each([
    ['not JSON', '{"type":', 'invalid_frame', undefined],
    ['a JSON array', '[1,2]', 'invalid_frame', undefined],
    ['no ref', '{"type":"ping"}', 'invalid_frame', undefined],
    ['an unknown type', '{"type":"teleport","ref":41}', 'unknown_frame_type', 41],
    ['a numeric room', '{"type":"join","ref":42,"room":7}', 'invalid_room_name', 42],
    ['a wildcard room', '{"type":"join","ref":43,"room":"a:*"}', 'invalid_room_name', 43],
    ['a numeric event', '{"type":"publish","ref":44,"room":"r","event":5,"data":1}', 'invalid_frame', 44],
    ['a publish without data', '{"type":"publish","ref":45,"room":"r","event":"e"}', 'invalid_frame', 45],
    ['a numeric token', '{"type":"refresh","ref":46,"token":1}', 'invalid_frame', 46],
  ])('%s', async (_name, raw, code, ref) => {
    const reply = await errorFor(raw);
    expect(reply.error.code).toBe(code);
    expect(reply.ref).toBe(ref);
    expect((await client.request({ type: 'ping' })).type).toBe('ack');
  });

  it('a binary frame', async () => {
    const reply = await errorFor(Buffer.from([1, 2, 3]));
    expect(reply.error).toMatchObject({ code: 'invalid_frame', message: expect.stringMatching(/binary/) });
  });

  it('an oversized frame gets frame_too_large, and nothing is published', async () => {
    await client.ok({ type: 'join', room: 'watch' });
    const big = JSON.stringify({
      type: 'publish',
      ref: 99,
      room: 'watch',
      event: 'e',
      data: 'x'.repeat(5000),
    });
    const reply = await errorFor(big);
    expect(reply.error.code).toBe('frame_too_large');
    await client.ok({ type: 'publish', room: 'watch', event: 'e', data: 'small' });
    await bystander.waitForMessages('watch', 1);
    expect(bystander.messages('watch').map((m) => m.data)).toEqual(['small']);
  });

  it('other clients are unaffected by all of the above', async () => {
    expect((await bystander.request({ type: 'ping' })).type).toBe('ack');
  });

  it('a frame far above the bound closes that connection with 1009 and a reason; others keep working', async () => {
    const victim = await TestClient.connect(wsUrl(gw), { apiKey: apiKeyOf(ALPHA_FULL) });
    victim.ws.send('x'.repeat(4096 * 2 + 1));
    const { code, reason } = await victim.closed;
    expect(code).toBe(1009);
    expect(reason).toMatch(/frame of 8193 bytes is larger than 4096/);
    expect((await bystander.request({ type: 'ping' })).type).toBe('ack');
  });

  it('a frame above maxFrameReadBytes is not read: the connection drops (1006), others keep working', async () => {
    const victim = await TestClient.connect(wsUrl(gw), { apiKey: apiKeyOf(ALPHA_FULL) });
    victim.ws.send('x'.repeat(64 * 1024 + 1));
    const { code } = await victim.closed;
    expect(code).toBe(1006);
    expect((await bystander.request({ type: 'ping' })).type).toBe('ack');
  });

  it('closes with 4102 after a run of invalid frames (a client stuck in a loop)', async () => {
    const noisy = await TestClient.connect(wsUrl(gw), { apiKey: apiKeyOf(ALPHA_FULL) });
    for (let i = 0; i < 20; i++) noisy.ws.send('nope');
    const closed = await noisy.closed;
    expect(closed.code).toBe(4102);
    expect(noisy.frames.filter((f) => f.type === 'error')).toHaveLength(20);
  });
});
