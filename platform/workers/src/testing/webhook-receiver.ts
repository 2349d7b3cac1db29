import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body bytes, as a receiver must verify them. */
  body: Buffer;
  /** What the receiver did: an HTTP status, or 'hold' (never answered). */
  answer: number | 'hold';
}

/** Decides the answer to the n-th request (1-based) on a path. */
export type Script = (n: number, request: ReceivedRequest) => number | 'hold';

/** A real `node:http` server standing in for an app's webhook endpoint. */
export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  private readonly server: Server;
  private readonly counts = new Map<string, number>();

  private constructor(script: Script, onRequest?: (request: ReceivedRequest) => void) {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const path = req.url ?? '/';
        const n = (this.counts.get(path) ?? 0) + 1;
        this.counts.set(path, n);
        const request: ReceivedRequest = {
          path,
          headers: req.headers,
          body: Buffer.concat(chunks),
          answer: 0,
        };
        request.answer = script(n, request);
        this.requests.push(request);
        onRequest?.(request);
        if (request.answer !== 'hold')
          res.writeHead(request.answer, { 'content-type': 'text/plain' }).end('ok');
      });
    });
  }

  static async start(
    script: Script,
    onRequest?: (request: ReceivedRequest) => void,
  ): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(script, onRequest);
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  on(path: string): ReceivedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  /** Closes the server and every connection, held requests included. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
