import WebSocket from 'ws';
import { LeanWebSocket } from './lean-websocket.js';

/** Which WebSocket client the uWS and RelayBox connections use (Socket.IO always uses socket.io-client). */
export type ClientKind = 'lean' | 'ws';

export interface SocketHandlers {
  onOpen: () => void;
  onMessage: (data: Buffer) => void;
  onRefused: (status: number, body: string) => void;
  onClose: (code: number, reason: string) => void;
  onError: (error: Error) => void;
}

export interface SocketTarget {
  hostPort: string;
  path: string;
  protocols?: string[];
  localAddress: string;
  timeoutMs: number;
}

export interface ClientSocket {
  send(text: string): void;
  terminate(): void;
}

/** Opens a WebSocket with either client behind one small interface. */
export function openClientSocket(
  kind: ClientKind,
  target: SocketTarget,
  handlers: SocketHandlers,
): ClientSocket {
  if (kind === 'lean') return new LeanWebSocket({ ...target, ...handlers });
  const ws = new WebSocket(`ws://${target.hostPort}${target.path}`, target.protocols ?? [], {
    localAddress: target.localAddress,
    perMessageDeflate: false,
    skipUTF8Validation: true,
    handshakeTimeout: target.timeoutMs,
  });
  ws.on('open', handlers.onOpen);
  ws.on('message', (data: Buffer) => handlers.onMessage(data));
  ws.on('unexpected-response', (_req, res) => {
    let body = '';
    res.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    res.on('end', () => {
      handlers.onRefused(res.statusCode ?? 0, body.slice(0, 300));
      ws.terminate();
    });
  });
  ws.on('close', (code, reason) => handlers.onClose(code, reason.toString()));
  ws.on('error', handlers.onError);
  return {
    send: (text) => ws.send(text),
    terminate: () => ws.terminate(),
  };
}
