import WebSocket from 'ws';
import { type PayloadFields, scanPayload } from '../payload.js';
import { type BenchConnection, type ConnectOptions, withTimeout } from './connection.js';

/** Client of the floor server in src/servers/uws-server.ts. */
export async function connectUws(options: ConnectOptions): Promise<BenchConnection> {
  const { target, role } = options;
  const ws = new WebSocket(`ws://${target.hostPort}/`, {
    localAddress: options.localAddress,
    perMessageDeflate: false,
    skipUTF8Validation: true,
    handshakeTimeout: options.timeoutMs,
  });
  const fields: PayloadFields = { t: 0, p: 0, s: 0 };
  let joined: (() => void) | undefined;
  let ready = false;

  const setup = new Promise<void>((resolve, reject) => {
    ws.once('error', (error) => reject(error));
    ws.once('close', (code) => reject(new Error(`closed with ${code} during setup`)));
    ws.once('open', () => {
      if (role !== 'sub' || !target.room) return resolve();
      joined = resolve;
      ws.send(`j${target.room}`);
    });
  });
  ws.on('message', (data: Buffer) => {
    if (scanPayload(data, fields)) options.onPayload(fields);
    else if (joined && data.length === 1) {
      joined();
      joined = undefined;
    }
  });

  try {
    await withTimeout(setup, options.timeoutMs, 'the uWS join');
  } catch (error) {
    ws.terminate();
    throw error;
  }
  ready = true;
  ws.on('close', (code) => {
    if (ready) options.onProblem(`closed by server (${code})`);
  });
  ws.on('error', (error) => options.onProblem(`socket error: ${error.message}`));

  return {
    publish(room, payloadJson) {
      ws.send(`p${room}\n${payloadJson}`);
    },
    acks: 0,
    rejections: 0,
    terminate() {
      ready = false;
      ws.terminate();
    },
  };
}
