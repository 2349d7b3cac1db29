// Plain Node CommonJS against the installed packages: connect, join, publish, receive (ours and the backend's).
const { RelayBox, RelayBoxError } = require('@relaybox/client');
const { RelayBoxRest } = require('@relaybox/rest');
const WebSocket = require('ws');
const { createElement } = require('react');
const { renderToString } = require('react-dom/server');
const { RelayBoxProvider, useConnectionState } = require('@relaybox/react');

/** @relaybox/react's CommonJS build renders on the server (no window): hooks give their initial state. */
function renderOnServer(url) {
  const State = () => createElement('p', null, useConnectionState());
  return renderToString(
    createElement(RelayBoxProvider, { options: { url, token: 'unused' } }, createElement(State)),
  );
}

async function main() {
  const { RELAYBOX_ORIGIN: origin, RELAYBOX_API_KEY: apiKey, ROOM: room } = process.env;
  const rest = new RelayBoxRest({ apiKey, url: origin });
  const { token } = await rest.createToken({
    clientId: 'cjs-user',
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
  const ack = await joined.publish('note', { text: 'from cjs' });
  await rest.publish(room, 'note', { text: 'from the backend' });
  await both;
  // Errors keep their class across the CommonJS build.
  const refused = await relay.join('bad room name!').catch((error) => error);
  await relay.close();
  const error = { isRelayBoxError: refused instanceof RelayBoxError, code: refused.code };
  const ssr = renderOnServer(origin);
  console.log(JSON.stringify({ clientId: relay.clientId, ackSeq: ack.seq, received, error, ssr }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
