import { type PayloadFields, scanPayload } from '../payload.js';
import { withTimeout } from '../timeout.js';
import { openClientSocket } from './client-socket.js';
import type { BenchConnection, ConnectOptions } from './connection.js';

/** Client of the floor server in src/servers/uws-server.ts. */
export async function connectUws(options: ConnectOptions): Promise<BenchConnection> {
  const { target, role } = options;
  const fields: PayloadFields = { t: 0, p: 0, s: 0 };
  let ready = false;
  let settle: { resolve: () => void; reject: (error: Error) => void } | undefined;
  let joining = false;
  const setup = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  const socket = openClientSocket(
    options.client,
    {
      hostPort: target.hostPort,
      path: '/',
      localAddress: options.localAddress,
      timeoutMs: options.timeoutMs,
    },
    {
      onOpen: () => {
        if (role !== 'sub' || !target.room) return settle?.resolve();
        joining = true;
        socket.send(`j${target.room}`);
      },
      onMessage: (data) => {
        if (scanPayload(data, fields)) options.onPayload(fields);
        else if (joining && data.length === 1) {
          joining = false;
          settle?.resolve();
        }
      },
      onRefused: (status, body) => settle?.reject(new Error(`upgrade refused: HTTP ${status} ${body}`)),
      onClose: (code, reason) => {
        if (ready) options.onProblem(`closed by server (${code} ${reason})`);
        else settle?.reject(new Error(`closed with ${code} ${reason} during setup`));
      },
      onError: (error) => {
        if (ready) options.onProblem(`socket error: ${error.message}`);
        else settle?.reject(error);
      },
    },
  );
  try {
    await withTimeout(setup, options.timeoutMs, 'the uWS join');
  } catch (error) {
    socket.terminate();
    throw error;
  }
  ready = true;
  return {
    publish(room, payloadJson) {
      socket.send(`p${room}\n${payloadJson}`);
    },
    acks: 0,
    rejections: 0,
    terminate() {
      ready = false;
      socket.terminate();
    },
  };
}
