import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppKey } from '@relaybox/core';

/**
 * A small real HTTP server speaking the control plane's internal key API (CONTROL_PLANE_API.md),
 * for tests of the cloud adapters. A double of our own service, not of a third-party one.
 */
export class ControlPlaneDouble {
  readonly keys = new Map<string, AppKey>();
  readonly usage: unknown[] = [];
  /** Bodies of `GET /internal/v1/apps/:appId/config`, by appId. */
  readonly apps = new Map<string, unknown>();
  /** App config lookups received, by appId. */
  readonly appLookups: string[] = [];
  /** Key lookups received, by `<appId>.<keyId>`. */
  readonly lookups: string[] = [];
  /** Delay before answering a key lookup. */
  lookupDelayMs = 0;
  /** Refuse the event stream with this status (e.g. 503) instead of opening it. */
  streamStatus = 200;
  /** Answer key lookups with this status instead (e.g. 500). */
  lookupStatus: number | undefined;
  /** Answer usage reports with this status (204 = accepted and recorded). */
  usageStatus = 204;
  private readonly streams = new Set<ServerResponse>();
  private server: Server | undefined;
  url = '';

  constructor(readonly token = 'service-token-for-tests') {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  get openStreams(): number {
    return this.streams.size;
  }

  put(key: AppKey): void {
    this.keys.set(`${key.appId}.${key.keyId}`, key);
  }

  /** Removes the key and pushes `revoke` to every open stream. */
  revoke(appId: string, keyId: string): void {
    this.keys.delete(`${appId}.${keyId}`);
    this.push('revoke', { appId, keyId });
  }

  push(event: string, data: unknown): void {
    for (const res of this.streams) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** Ends every open event stream (the gateway side must reconnect). */
  dropStreams(): void {
    for (const res of this.streams) res.destroy();
    this.streams.clear();
  }

  async close(): Promise<void> {
    this.dropStreams();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"code":"unauthorized"}}');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/internal/v1/keys/events') {
      this.openStream(res);
      return;
    }
    const match = /^\/internal\/v1\/keys\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (match && req.method === 'GET') {
      const id = `${decodeURIComponent(match[1] ?? '')}.${decodeURIComponent(match[2] ?? '')}`;
      this.lookups.push(id);
      setTimeout(() => this.answerKey(id, res), this.lookupDelayMs);
      return;
    }
    const app = /^\/internal\/v1\/apps\/([^/]+)\/config$/.exec(url.pathname);
    if (app && req.method === 'GET') {
      const appId = decodeURIComponent(app[1] ?? '');
      this.appLookups.push(appId);
      const body = this.apps.get(appId);
      if (body === undefined) res.writeHead(404).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      return;
    }
    if (url.pathname === '/internal/v1/usage' && req.method === 'POST') {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        if (this.usageStatus === 204) this.usage.push(JSON.parse(body));
        res.writeHead(this.usageStatus).end();
      });
      return;
    }
    res.writeHead(404).end();
  }

  private answerKey(id: string, res: ServerResponse): void {
    if (this.lookupStatus) {
      res.writeHead(this.lookupStatus).end();
      return;
    }
    const key = this.keys.get(id);
    if (!key) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"not_found"}}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(key));
  }

  private openStream(res: ServerResponse): void {
    if (this.streamStatus !== 200) {
      res.writeHead(this.streamStatus).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write('event: ready\ndata: {}\n\n');
    this.streams.add(res);
    res.on('close', () => this.streams.delete(res));
  }
}
