import {
  API_KEY_PROTOCOL_PREFIX,
  PROTOCOL,
  parseServerFrame,
  TOKEN_PROTOCOL_PREFIX,
} from '@relaybox/protocol';
import { type PayloadFields, scanPayload } from '../payload.js';
import { withTimeout } from '../timeout.js';
import { openClientSocket } from './client-socket.js';
import type { BenchConnection, ConnectOptions } from './connection.js';

/** Publish refs start here; 1 and 2 are the join and subscribe of the setup. */
const FIRST_PUBLISH_REF = 10;

/**
 * The RelayBox wire protocol spoken directly (no SDK, so the client side costs the same as for
 * the other servers): wait for `connected`, then `join` (+ `subscribe` for subscribers) and their acks.
 */
export async function connectRelayBox(options: ConnectOptions): Promise<BenchConnection> {
  const { target, role } = options;
  if (!options.apiKey && !target.token) throw new Error('RelayBox connections need an API key or a token');
  const fields: PayloadFields = { t: 0, p: 0, s: 0 };
  const pendingRefs = new Set<number>();
  const state = { acks: 0, rejections: 0 };
  let ref = FIRST_PUBLISH_REF;
  let ready = false;
  let settle: { resolve: () => void; reject: (error: Error) => void } | undefined;
  /** Where a setup that fails stood: a close before the 101 and one after it look alike (1006). */
  let stage = 'before the upgrade answer';
  const setup = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });

  function onControlFrame(text: string): void {
    const frame = parseServerFrame(text);
    if (!frame) return;
    if (frame.type === 'connected') {
      stage = 'after connected, before the join acks';
      if (role === 'idle' || !target.room) {
        settle?.resolve();
        return;
      }
      socket.send(JSON.stringify({ type: 'join', ref: 1, room: target.room }));
      pendingRefs.add(1);
      if (role === 'sub') {
        socket.send(JSON.stringify({ type: 'subscribe', ref: 2, room: target.room }));
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
        return;
      }
      if (frame.ref !== undefined && frame.ref >= FIRST_PUBLISH_REF) state.rejections++;
      options.onProblem(`error frame: ${message}`);
    }
  }

  const socket = openClientSocket(
    options.client,
    {
      hostPort: target.hostPort,
      path: `/v1/ws?clientId=${encodeURIComponent(target.clientId)}`,
      protocols: [
        PROTOCOL,
        target.token
          ? TOKEN_PROTOCOL_PREFIX + target.token
          : API_KEY_PROTOCOL_PREFIX + Buffer.from(options.apiKey!).toString('base64url'),
      ],
      localAddress: options.localAddress,
      timeoutMs: options.timeoutMs,
    },
    {
      onOpen: () => {
        stage = 'after the upgrade, before connected';
      },
      onMessage: (data) => {
        if (scanPayload(data, fields)) options.onPayload(fields);
        else onControlFrame(data.toString());
      },
      onRefused: (status, body) => settle?.reject(new Error(`upgrade refused: HTTP ${status} ${body}`)),
      onClose: (code, reason) => {
        if (ready) options.onProblem(`closed by server (${code} ${reason})`);
        else settle?.reject(new Error(`closed with ${code} ${reason} during setup (${stage})`));
      },
      onError: (error) => {
        if (ready) options.onProblem(`socket error: ${error.message}`);
        else settle?.reject(error);
      },
    },
  );

  try {
    await withTimeout(setup, options.timeoutMs, `RelayBox ${role === 'idle' ? 'connected' : 'join acks'}`);
  } catch (error) {
    socket.terminate();
    throw error;
  }
  ready = true;
  return {
    publish(room, payloadJson) {
      ref++;
      socket.send(`{"type":"publish","ref":${ref},"room":"${room}","event":"m","data":${payloadJson}}`);
    },
    get acks() {
      return state.acks;
    },
    get rejections() {
      return state.rejections;
    },
    terminate() {
      ready = false;
      socket.terminate();
    },
  };
}
