import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A reverse proxy the way nginx is configured in front of gateways (`proxy_set_header
 * X-Forwarded-For $proxy_add_x_forwarded_for`): it appends the connecting peer's address to the
 * request's `X-Forwarded-For` and pipes the connection to the gateway. HTTP/1.1 upgrades only.
 */
export async function startForwardingProxy(
  target: number,
): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      client.off('data', onData);
      client.pause();
      const upstream = connect(target, '127.0.0.1');
      sockets.add(upstream);
      upstream.on('close', () => sockets.delete(upstream));
      upstream.on('error', () => client.destroy());
      upstream.write(withForwardedFor(head.subarray(0, end).toString('latin1'), client.remoteAddress ?? ''));
      upstream.write(head.subarray(end));
      client.pipe(upstream).pipe(client);
      client.resume();
    };
    client.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('proxy did not listen');
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function withForwardedFor(head: string, peer: string): string {
  const lines = head.split('\r\n');
  const index = lines.findIndex((line) => /^x-forwarded-for:/i.test(line));
  if (index < 0) lines.push(`X-Forwarded-For: ${peer}`);
  else lines[index] = `${lines[index]}, ${peer}`;
  return lines.join('\r\n');
}
