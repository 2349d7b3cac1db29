import { createServer } from 'node:net';
import { OrchestratorError } from '../engine.js';

/** Rejects with `port_in_use` naming the first port of the list something already listens on. */
export async function assertPortsFree(ports: readonly { port: number; what: string }[]): Promise<void> {
  for (const { port, what } of ports) {
    if (await isFree(port)) continue;
    throw new OrchestratorError(
      'port_in_use',
      `port ${port} (${what}) is already in use. Stop what listens on it (\`ss -ltnp 'sport = :${port}'\` shows it), ` +
        'or start the stack on another port (`relaybox up --port <port>`).',
    );
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    // 0.0.0.0 conflicts with a listener on any address, 127.0.0.1 included.
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => server.close(() => resolve(true)));
  });
}
