import type { RelayBoxError } from '@relaybox/protocol';
import { vi } from 'vitest';
import { encodeBase64Url } from '../base64-url.js';
import type { StateChange } from '../connection.js';
import { RelayBox } from '../relay-box.js';
import type { RelayBoxOptions } from '../relay-box-options.js';
import { type FakeWebSocket, fakeWebSocketClass } from './fake-web-socket.js';

/** Lets pending promise chains (credentials, acks) run; works with fake timers. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}

/** An unsigned JWT with the given claims (the SDK never verifies signatures). */
export function fakeJwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => encodeBase64Url(new TextEncoder().encode(JSON.stringify(value)));
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}.c2lnbmF0dXJl`;
}

/** A `message` frame of `room` with `seq` (id `m<seq>`, data `{ n: seq }`). */
export function messageFrame(room: string, seq: number, event = 'm'): Record<string, unknown> {
  return {
    type: 'message',
    id: `m${seq}`,
    seq,
    room,
    event,
    data: { n: seq },
    clientId: 'other',
    timestamp: 1_700_000_000_000 + seq,
  };
}

/** A RelayBox wired to fake sockets, recording its state changes and 'error' events. */
export function harness(options: Partial<RelayBoxOptions> = {}) {
  const { WebSocket, sockets } = fakeWebSocketClass();
  const hasCredential = ['token', 'getToken', 'authEndpoint', 'apiKey'].some(
    (name) => options[name as keyof RelayBoxOptions] !== undefined,
  );
  const relay = new RelayBox({
    url: 'ws://gw.test/v1/ws',
    WebSocket,
    ...(hasCredential ? {} : { token: fakeJwt({ sub: 'client-1' }) }),
    ...options,
  });
  const changes: StateChange[] = [];
  const errors: RelayBoxError[] = [];
  relay.connection.on('statechange', (change) => changes.push(change));
  relay.connection.on('error', (error) => errors.push(error));

  const socket = (): FakeWebSocket => {
    const last = sockets.at(-1);
    if (!last) throw new Error('no socket was opened');
    return last;
  };
  return {
    relay,
    sockets,
    changes,
    errors,
    socket,
    states: () => changes.map((change) => change.current),
    /** Connects and answers with `connected`; returns the socket. */
    async connect(overrides?: Parameters<FakeWebSocket['accept']>[0]): Promise<FakeWebSocket> {
      const connecting = relay.connect();
      await flush();
      socket().accept(overrides);
      await connecting;
      return socket();
    },
    /**
     * The network drops the current socket (close `code`); waits (fake timers) for the scheduled
     * reconnect and returns the new socket, opened but not yet acknowledged.
     */
    async dropAndReconnect(code = 1006): Promise<FakeWebSocket> {
      const before = sockets.length;
      socket().drop(code);
      await vi.advanceTimersByTimeAsync(changes.at(-1)?.retryIn ?? 0);
      await flush();
      if (sockets.length !== before + 1) throw new Error('no reconnect attempt was made');
      return socket();
    },
    /** Joins `name`, acknowledging the join on the current socket. */
    async join(name: string) {
      const joining = relay.join(name);
      socket().ack(socket().last('join'));
      return joining;
    },
  };
}
