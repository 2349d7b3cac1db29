/**
 * Socket.IO 4 server as it is commonly deployed: websocket transport only, rooms via
 * `socket.join(room)`, fan-out via `io.to(room).emit(...)`. With `--redis <url>` it uses
 * @socket.io/redis-adapter, so several of these processes on different ports form one cluster.
 *
 * Events: `j`(room, ack) joins and acks; `p`(room, data) emits `m`(data) to the room.
 * `GET /health` answers 200 once listening (and, with --redis, once both Redis links are up).
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    redis: { type: 'string' },
    key: { type: 'string' },
  },
});
const port = Number(values.port);
const host = values.host ?? '127.0.0.1';

// Engine.IO takes over requests to /socket.io/ and hands every other request to this handler.
const http = createServer((req, res) => {
  res.writeHead(req.url === '/health' ? 200 : 404).end();
});

const io = new Server(http, {
  transports: ['websocket'],
  serveClient: false,
  perMessageDeflate: false,
  // 19,000 idle sockets connect in bursts: keep the default heartbeat, but never time a slow
  // handshake out because the machine is saturated.
  connectTimeout: 60_000,
});

const redisClients: Redis[] = [];
if (values.redis) {
  const pub = new Redis(values.redis, { lazyConnect: true, maxRetriesPerRequest: 3 });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  redisClients.push(pub, sub);
  io.adapter(createAdapter(pub, sub, { key: values.key ?? 'socket.io' }));
}

io.on('connection', (socket) => {
  socket.on('j', (room: unknown, ack: unknown) => {
    if (typeof room === 'string') socket.join(room);
    if (typeof ack === 'function') ack('ok');
  });
  socket.on('p', (room: unknown, data: unknown) => {
    if (typeof room === 'string') io.to(room).emit('m', data);
  });
});

http.listen(port, host);
http.on('error', (error) => {
  console.error(`socketio: ${error.message}`);
  process.exit(1);
});

function stop(): void {
  for (const client of redisClients) client.disconnect();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
