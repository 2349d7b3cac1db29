// Plain Node ESM against the installed packages: connect, join, publish, receive (ours and the backend's).
import { RelayBox } from '@relaybox/client';
import { RelayBoxProvider, useConnectionState } from '@relaybox/react';
import { RelayBoxRest } from '@relaybox/rest';
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import WebSocket from 'ws';

const { RELAYBOX_ORIGIN: origin, RELAYBOX_API_KEY: apiKey, ROOM: room } = process.env;
const rest = new RelayBoxRest({ apiKey, url: origin });
const { token } = await rest.createToken({
  clientId: 'esm-user',
  permissions: { '*': ['subscribe', 'publish'] },
});
const relay = new RelayBox({ url: `${origin.replace(/^http/, 'ws')}/v1/ws`, token, WebSocket });
await relay.connect();
const joined = await relay.join(room);
const received = [];
const both = new Promise((resolve) => {
  joined.subscribe('note', (msg) => {
    received.push({ seq: msg.seq, data: msg.data, clientId: msg.clientId });
    if (received.length === 2) resolve();
  });
});
const ack = await joined.publish('note', { text: 'from esm' });
await rest.publish(room, 'note', { text: 'from the backend' });
await both;
await relay.close();
// @relaybox/react's ESM build renders on the server (no window): hooks give their initial state.
const State = () => createElement('p', null, useConnectionState());
const ssr = renderToString(
  createElement(RelayBoxProvider, { options: { url: origin, token } }, createElement(State)),
);
console.log(JSON.stringify({ clientId: relay.clientId, ackSeq: ack.seq, received, ssr }));
