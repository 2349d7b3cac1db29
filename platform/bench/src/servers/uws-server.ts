/**
 * Raw uWebSockets.js pub/sub: the floor every other server is compared with.
 *
 * Protocol (text frames, as cheap as it gets):
 *   `j<room>`             → ws.subscribe(room), reply `a` (the client waits for it)
 *   `p<room>\n<payload>`  → app.publish(room, payload): the payload is forwarded byte for byte
 * `GET /health` answers 200 once listening. SIGTERM exits at once.
 */

import uws from 'uWebSockets.js';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string' }, host: { type: 'string' } } });
const port = Number(values.port);
const host = values.host ?? '127.0.0.1';

// The package falls back to a slow pure-JS implementation when its native binary does not load;
// a floor measured on that would be meaningless, so refuse to start instead.
if (!('SHARED_COMPRESSOR' in uws)) {
  console.error('uWebSockets.js native binary did not load (JS fallback in use)');
  process.exit(2);
}

const NEWLINE = 10;
const J = 106;
const P = 112;

const app = uws.App();
app.ws('/*', {
  compression: uws.DISABLED,
  maxPayloadLength: 64 * 1024,
  maxBackpressure: 16 * 1024 * 1024,
  idleTimeout: 120,
  sendPingsAutomatically: true,
  message: (ws, message) => {
    const bytes = new Uint8Array(message);
    if (bytes[0] === J) {
      ws.subscribe(Buffer.from(message, 1).toString('latin1'));
      ws.send('a');
    } else if (bytes[0] === P) {
      const nl = bytes.indexOf(NEWLINE);
      if (nl < 0) return;
      const room = Buffer.from(message, 1, nl - 1).toString('latin1');
      app.publish(room, bytes.subarray(nl + 1), false);
    }
  },
});
app.get('/health', (res) => {
  res.end('ok');
});
app.any('/*', (res) => {
  res.writeStatus('404 Not Found').end();
});
app.listen(host, port, (socket) => {
  if (!socket) {
    console.error(`uws: cannot listen on ${host}:${port}`);
    process.exit(1);
  }
});

process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
