import { createServer, connect as netConnect } from 'node:net';
import { OrchestratorError } from '../engine.js';

/** Fails with `port_in_use` when something already listens on the stack's origin port. */
export async function assertPortFree(port: number, host = '127.0.0.1'): Promise<void> {
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      throw new OrchestratorError(
        'port_in_use',
        `port ${port} is already in use: stop what listens there (another \`relaybox up\`? run \`relaybox down\`) or pick another port with --port`,
        { cause },
      );
    }
    throw cause;
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Sends `hello` to host:port and resolves with the first bytes answered (bounded by `timeoutMs`). */
function probe(url: URL, defaultPort: number, hello: Buffer | string, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(Number(url.port || defaultPort), url.hostname.replace(/^\[|\]$/g, ''));
    const timer = setTimeout(() => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    socket.once('connect', () => socket.write(hello));
    socket.once('data', (data) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(data);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once('close', () => {
      clearTimeout(timer);
      reject(new Error('connection closed without an answer'));
    });
  });
}

const HOW_TO_START = {
  redis:
    'start it (e.g. `redis-server --daemonize yes`, `sudo service redis-server start`, or `docker run -d -p 6379:6379 redis:7`) or pass --redis-url',
  rabbitmq:
    'start it (e.g. `sudo service rabbitmq-server start`, or `docker run -d -p 5672:5672 rabbitmq:3-management`) or pass --amqp-url',
};

/** Checks that Redis answers PING (an auth error also proves it is there). */
export async function checkRedis(redisUrl: string, timeoutMs = 2000): Promise<void> {
  const url = parseUrl(redisUrl, 'redis');
  try {
    const answer = (await probe(url, 6379, '*1\r\n$4\r\nPING\r\n', timeoutMs)).toString();
    if (!/^[+-]/.test(answer)) throw new Error(`unexpected answer ${JSON.stringify(answer.slice(0, 40))}`);
  } catch (cause) {
    throw new OrchestratorError(
      'dependency_unavailable',
      `Redis is not reachable at ${url.host} (${(cause as Error).message}): ${HOW_TO_START.redis}`,
      { cause },
    );
  }
}

/** Checks that an AMQP 0-9-1 server answers the protocol header (with connection.start or its own header). */
export async function checkAmqp(amqpUrl: string, timeoutMs = 2000): Promise<void> {
  const url = parseUrl(amqpUrl, 'rabbitmq');
  try {
    await probe(url, 5672, Buffer.from('AMQP\x00\x00\x09\x01', 'latin1'), timeoutMs);
  } catch (cause) {
    throw new OrchestratorError(
      'dependency_unavailable',
      `RabbitMQ is not reachable at ${url.host} (${(cause as Error).message}): ${HOW_TO_START.rabbitmq}`,
      { cause },
    );
  }
}

function parseUrl(raw: string, what: 'redis' | 'rabbitmq'): URL {
  try {
    return new URL(raw);
  } catch (cause) {
    throw new OrchestratorError('invalid_argument', `${what} URL "${raw}" is not a URL`, { cause });
  }
}
