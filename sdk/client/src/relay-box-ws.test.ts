import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  type ClientFrame,
  CloseCode,
  PROTOCOL,
  RESUME_PROTOCOL_PREFIX,
  TOKEN_PROTOCOL_PREFIX,
} from '@relaybox/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { RelayBox } from './relay-box.js';
import { fakeJwt } from './test-support/relay-harness.js';

/**
 * The SDK against the real `ws` package on both ends (a tiny in-process peer speaking the protocol),
 * to pin down what the fake socket cannot: subprotocol negotiation, close codes, and how `ws`
 * reports a refused upgrade.
 */
interface Peer {
  url: string;
  server: Server;
  sockets: WebSocket[];
  offered: string[][];
  refuse: { status: number; body: unknown } | undefined;
  /** Leave upgrades unanswered. */
  hang: boolean;
}

const peers: Peer[] = [];
/** Shaped like the gateway's: 32 random bytes, base64url. */
const RESUME_SECRET = 'q3Xv_0-9AbCdEfGhIjKlMnOpQrStUvWxYz012345678';

async function startPeer(): Promise<Peer> {
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => (protocols.has(PROTOCOL) ? PROTOCOL : false),
  });
  const server = createServer();
  const peer: Peer = { url: '', server, sockets: [], offered: [], refuse: undefined, hang: false };
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    peer.offered.push(String(request.headers['sec-websocket-protocol']).split(/\s*,\s*/));
    if (peer.hang) {
      socket.on('end', () => socket.destroy());
      return;
    }
    if (peer.refuse) {
      const body = JSON.stringify(peer.refuse.body);
      socket.end(
        `HTTP/1.1 ${peer.refuse.status} Refused\r\ncontent-type: application/json\r\n` +
          `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      peer.sockets.push(ws);
      ws.on('message', (data) => answer(ws, JSON.parse(String(data)) as ClientFrame));
      ws.send(
        JSON.stringify({
          type: 'connected',
          connectionId: `conn-${peer.sockets.length}`,
          clientId: 'alice',
          heartbeatMs: 30_000,
          limits: { maxFrameBytes: 65_536, maxRoomsPerConnection: 100 },
          resumeSecret: RESUME_SECRET,
          resumed: false,
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  peer.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  peers.push(peer);
  return peer;
}

/** Acks everything; a publish is echoed back as a message to the publisher. */
function answer(ws: WebSocket, frame: ClientFrame): void {
  if (frame.type !== 'publish') {
    ws.send(JSON.stringify({ type: 'ack', ref: frame.ref }));
    return;
  }
  const stored = { id: `m-${frame.ref}`, seq: frame.ref, timestamp: Date.now() };
  ws.send(JSON.stringify({ type: 'ack', ref: frame.ref, result: stored }));
  const { room, event, data } = frame;
  ws.send(JSON.stringify({ type: 'message', ...stored, room, event, data, clientId: 'alice' }));
}

function waitFor(relay: RelayBox, state: string): Promise<void> {
  return new Promise((resolve) => {
    const off = relay.connection.on('statechange', ({ current }) => {
      if (current === state) {
        off();
        resolve();
      }
    });
  });
}

afterEach(async () => {
  for (const peer of peers.splice(0)) {
    peer.server.closeAllConnections();
    await new Promise((resolve) => peer.server.close(resolve));
  }
});

describe('RelayBox over the ws package', () => {
  it('connects, publishes, receives, and reconnects after a server shutdown close', async () => {
    const peer = await startPeer();
    const token = fakeJwt({ sub: 'alice' });
    const relay = new RelayBox({ url: peer.url, token, WebSocket, minReconnectDelayMs: 10 });
    await relay.connect();
    expect(peer.offered[0]).toEqual([PROTOCOL, `${TOKEN_PROTOCOL_PREFIX}${token}`]);
    expect(relay.connectionId).toBe('conn-1');

    const room = await relay.join('chat:lobby');
    const received = new Promise((resolve) => room.subscribe('message', resolve));
    const ack = await room.publish('message', { text: 'hi' });
    expect(await received).toMatchObject({
      id: ack.id,
      seq: ack.seq,
      data: { text: 'hi' },
      room: 'chat:lobby',
    });

    const reconnected = waitFor(relay, 'connected');
    peer.sockets[0]!.close(CloseCode.ServerShutdown, 'server shutting down');
    await reconnected;
    expect(peer.offered[1]).toEqual([
      PROTOCOL,
      `${TOKEN_PROTOCOL_PREFIX}${token}`,
      `${RESUME_PROTOCOL_PREFIX}conn-1.${RESUME_SECRET}`,
    ]);
    expect(relay.connectionId).toBe('conn-2');

    const closed = new Promise((resolve) => peer.sockets[1]!.on('close', (code) => resolve(code)));
    await relay.close();
    expect(await closed).toBe(1000);
  });

  it('reads the JSON body of a refused upgrade and fails on 401', async () => {
    const peer = await startPeer();
    peer.refuse = { status: 401, body: { error: { code: 'token_expired', message: 'token expired' } } };
    const relay = new RelayBox({ url: peer.url, token: fakeJwt({ sub: 'a' }), WebSocket });
    await expect(relay.connect()).rejects.toMatchObject({ code: 'token_expired', message: 'token expired' });
    expect(relay.connection.state).toBe('failed');
    expect(peer.offered).toHaveLength(1);
  });

  it('close() during the handshake tears the socket down without an unhandled ws error', async () => {
    const peer = await startPeer();
    peer.hang = true;
    const relay = new RelayBox({ url: peer.url, token: fakeJwt({ sub: 'a' }), WebSocket });
    const connecting = relay.connect();
    while (peer.offered.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await relay.close();
    await expect(connecting).rejects.toMatchObject({ code: 'connection_closed' });
    await new Promise((resolve) => setTimeout(resolve, 20)); // let ws emit its 'error' and 'close'
    expect(relay.connection.state).toBe('closed');
  });
});
