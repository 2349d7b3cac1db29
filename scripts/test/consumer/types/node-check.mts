// Type-checked under NodeNext (ESM resolution: the packages' `import` types).
import { ErrorCode, RelayBox, type RoomMessage } from '@relaybox/client';
import { matchesPattern, PROTOCOL } from '@relaybox/protocol';
import { RelayBoxRest, verifyWebhook } from '@relaybox/rest';
import WebSocket from 'ws';

export async function check(origin: string, apiKey: string): Promise<number> {
  const rest = new RelayBoxRest({ apiKey, url: origin });
  const { token, expiresAt } = await rest.createToken({
    clientId: 'typed',
    permissions: { 'a:*': ['publish'] },
  });
  const relay = new RelayBox({ url: `${origin}/v1/ws`, token, WebSocket });
  await relay.connect();
  const room = await relay.join('a:b');
  const off = room.subscribe('note', (msg: RoomMessage) => console.log(msg.seq, msg.data));
  const ack = await room.publish('note', { text: 'hi' });
  off();
  const page = await room.history.get({ limit: 10 });
  const code: ErrorCode = ErrorCode.Timeout;
  verifyWebhook({ body: '{}', headers: {}, secret: 's' });
  return (
    ack.seq +
    page.items.length +
    expiresAt +
    code.length +
    PROTOCOL.length +
    Number(matchesPattern('a:*', 'a:b'))
  );
}
