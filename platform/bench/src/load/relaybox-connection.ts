import { API_KEY_PROTOCOL_PREFIX, PROTOCOL, parseServerFrame } from '@relaybox/protocol';
import WebSocket from 'ws';
import { type PayloadFields, scanPayload } from '../payload.js';
import { type BenchConnection, type ConnectOptions, withTimeout } from './connection.js';

/**
 * Raw RelayBox wire protocol over `ws` (no SDK, so the client side costs the same as for the
 * other servers): wait for `connected`, then `join` (+ `subscribe` for subscribers) and their acks.
 */
export async function connectRelayBox(options: ConnectOptions): Promise<BenchConnection> {
  const { target, role } = options;
  if (!options.apiKey) throw new Error('RelayBox connections need an API key');
  const url = `ws://${target.hostPort}/v1/ws?clientId=${encodeURIComponent(target.clientId)}`;
  const ws = new WebSocket(
    url,
    [PROTOCOL, API_KEY_PROTOCOL_PREFIX + Buffer.from(options.apiKey).toString('base64url')],
    {
      localAddress: options.localAddress,
      perMessageDeflate: false,
      skipUTF8Validation: true,
      handshakeTimeout: options.timeoutMs,
    },
  );
  const fields: PayloadFields = { t: 0, p: 0, s: 0 };
  const pendingRefs = new Set<number>();
  let ref = 10;
  let ready = false;
  const state = { acks: 0, rejections: 0 };
  let settle: { resolve: () => void; reject: (error: Error) => void } | undefined;

  const setup = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on('end', () => reject(new Error(`upgrade refused: HTTP ${res.statusCode} ${body.slice(0, 200)}`)));
    });
    ws.once('error', (error) => reject(error));
    ws.once('close', (code, reason) => reject(new Error(`closed with ${code} ${reason} during setup`)));
  });

  function onControlFrame(text: string): void {
    const frame = parseServerFrame(text);
    if (!frame) return;
    if (frame.type === 'connected') {
      if (role === 'idle' || !target.room) {
        settle?.resolve();
        return;
      }
      ws.send(JSON.stringify({ type: 'join', ref: 1, room: target.room }));
      pendingRefs.add(1);
      if (role === 'sub') {
        ws.send(JSON.stringify({ type: 'subscribe', ref: 2, room: target.room }));
        pendingRefs.add(2);
      }
    } else if (frame.type === 'ack') {
      if (pendingRefs.delete(frame.ref)) {
        if (pendingRefs.size === 0) settle?.resolve();
      } else state.acks++;
    } else if (frame.type === 'error') {
      const message = `${frame.error.code}: ${frame.error.message}`;
      if (frame.ref !== undefined && pendingRefs.has(frame.ref)) {
        settle?.reject(new Error(`ref ${frame.ref} refused: ${message}`));
      } else {
        if (frame.ref !== undefined && frame.ref >= 10) state.rejections++;
        options.onProblem(`error frame: ${message}`);
      }
    }
  }

  ws.on('message', (data: Buffer) => {
    if (scanPayload(data, fields)) options.onPayload(fields);
    else onControlFrame(data.toString());
  });

  try {
    await withTimeout(setup, options.timeoutMs, `RelayBox ${role === 'idle' ? 'connected' : 'join acks'}`);
  } catch (error) {
    ws.terminate();
    throw error;
  }
  ready = true;
  ws.on('close', (code, reason) => {
    if (ready) options.onProblem(`closed by server (${code} ${reason})`);
  });
  ws.on('error', (error) => options.onProblem(`socket error: ${error.message}`));

  return {
    publish(room, payloadJson) {
      ref++;
      ws.send(`{"type":"publish","ref":${ref},"room":"${room}","event":"m","data":${payloadJson}}`);
    },
    get acks() {
      return state.acks;
    },
    get rejections() {
      return state.rejections;
    },
    terminate() {
      ready = false;
      ws.terminate();
    },
  };
}
