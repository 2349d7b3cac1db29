import { io, type ManagerOptions, type SocketOptions } from 'socket.io-client';
import { type PayloadFields, readPayload } from '../payload.js';
import { withTimeout } from '../timeout.js';
import type { BenchConnection, ConnectOptions } from './connection.js';

/** socket.io-client, websocket transport only, against src/servers/socketio-server.ts. */
export async function connectSocketIo(options: ConnectOptions): Promise<BenchConnection> {
  const { target, role } = options;
  const clientOptions: Partial<ManagerOptions & SocketOptions> = {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: options.timeoutMs,
  };
  // engine.io-client hands both through to its `ws` socket, but types neither `localAddress` nor
  // `perMessageDeflate: false` (compression off, as on the server and for the other clients).
  Object.assign(clientOptions, { localAddress: options.localAddress, perMessageDeflate: false });
  const socket = io(`http://${target.hostPort}`, clientOptions);
  const fields: PayloadFields = { t: 0, p: 0, s: 0 };
  let ready = false;

  const setup = new Promise<void>((resolve, reject) => {
    socket.once('connect_error', (error) => reject(error));
    socket.once('connect', () => {
      if (role !== 'sub' || !target.room) return resolve();
      socket.emit('j', target.room, () => resolve());
    });
  });
  socket.on('m', (data: unknown) => {
    if (readPayload(data, fields)) options.onPayload(fields);
  });

  try {
    await withTimeout(setup, options.timeoutMs, 'the Socket.IO connect and join');
  } catch (error) {
    socket.disconnect();
    throw error;
  }
  ready = true;
  socket.on('disconnect', (reason) => {
    if (ready) options.onProblem(`disconnected (${reason})`);
  });

  return {
    publish(room, payloadJson) {
      socket.emit('p', room, JSON.parse(payloadJson));
    },
    acks: 0,
    rejections: 0,
    terminate() {
      ready = false;
      socket.disconnect();
    },
  };
}
