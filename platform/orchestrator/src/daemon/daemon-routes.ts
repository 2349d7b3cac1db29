import type { IncomingMessage } from 'node:http';
import { ErrorCode, type ServiceAction, type ServiceStatus } from '@relaybox/protocol';
import type { Engine, StackEvent, StackStatus, UpOptions, UpResult } from '../engine.js';
import { DaemonError } from './daemon-errors.js';
import { intInRange, invalid, MAX_LOG_TAIL, MAX_REPLICAS, readJsonBody } from './daemon-input.js';
import { faultRoute } from './fault-routes.js';
import type { SseStream } from './sse-stream.js';
import { VerifyRoute } from './verify-route.js';

/** Keys of a running stack the console needs for the inspector API. */
export interface StackCredentials {
  adminToken: string;
  devApiKey: string;
}

/** What `GET /api/stack/connection` answers. Keys are null while no stack started through this daemon or its caller. */
export interface StackConnection {
  origin: string;
  websocket: string;
  rest: string;
  console: string;
  admin: string;
  adminToken: string | null;
  devApiKey: string | null;
  engine: string;
}

export type RouteResult = { json: unknown } | { stream: true };

/**
 * The routes of DAEMON_API.md over one `Engine`. Changes to the stack run one at a time (an
 * engine is not asked to `up` while a `scale` is in flight); reads and streams never wait.
 */
export class DaemonRoutes {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly verify: VerifyRoute;

  constructor(
    private readonly engine: Engine,
    private credentials: StackCredentials | undefined,
    private readonly upOptions: UpOptions,
    private readonly onStatus: (status: StackStatus) => void,
  ) {
    this.verify = new VerifyRoute(engine, () => this.credentials?.devApiKey);
  }

  async handle(req: IncomingMessage, openStream: () => SseStream): Promise<RouteResult> {
    const url = new URL(req.url ?? '/', 'http://daemon.invalid');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (path === '/api/stack') return expect(method, 'GET', () => this.status());
    if (path === '/api/stack/connection') return expect(method, 'GET', () => this.connection());
    if (path === '/api/stack/up') return expect(method, 'POST', async () => this.up(await readJsonBody(req)));
    if (path === '/api/stack/down') return expect(method, 'POST', () => this.down());
    if (path === '/api/stack/scale') {
      return expect(method, 'POST', async () => this.scale(await readJsonBody(req)));
    }
    if (path === '/api/faults' || path.startsWith('/api/faults/')) {
      return faultRoute(this.engine, method, path, req, (fn) => this.serial(fn));
    }
    if (path === '/api/verify') return this.verify.handle(method, req);
    if (path === '/api/events') {
      if (method !== 'GET') throw notAllowed(method, path);
      this.events(openStream());
      return { stream: true };
    }
    const service = /^\/api\/services\/([^/]+)\/(start|stop|restart|logs)$/.exec(path);
    if (service) {
      const name = decodeName(service[1]!);
      const action = service[2]!;
      if (action === 'logs') {
        if (method !== 'GET') throw notAllowed(method, path);
        return this.logs(name, url.searchParams, openStream);
      }
      return expect(method, 'POST', () => this.serviceAction(name, action as ServiceAction));
    }
    throw new DaemonError(404, ErrorCode.NotFound, `no daemon route ${method} ${path}`);
  }

  /** Reads the status once to learn the stack's origin; a stopped or failing engine is fine here. */
  async handleStatusSilently(): Promise<void> {
    await this.status().catch(() => undefined);
  }

  private async status(): Promise<StackStatus> {
    const status = await this.engine.status();
    this.onStatus(status);
    return status;
  }

  private async connection(): Promise<StackConnection> {
    const { endpoints, engine } = await this.status();
    return {
      ...endpoints,
      adminToken: this.credentials?.adminToken ?? null,
      devApiKey: this.credentials?.devApiKey ?? null,
      engine,
    };
  }

  private up(body: Record<string, unknown>): Promise<StackStatus> {
    const gateways = intInRange('gateways', body.gateways, 1, MAX_REPLICAS);
    return this.serial(async () => {
      // Keys stay the same across down/up so an open console keeps working.
      const result: UpResult = await this.engine.up({
        ...this.upOptions,
        ...(this.credentials ?? {}),
        ...(gateways === undefined ? {} : { gateways }),
      });
      this.credentials = { adminToken: result.adminToken, devApiKey: result.devApiKey };
      this.onStatus(result.status);
      return result.status;
    });
  }

  private down(): Promise<StackStatus> {
    return this.serial(async () => {
      await this.engine.down();
      return this.status();
    });
  }

  private scale(body: Record<string, unknown>): Promise<StackStatus> {
    if (body.service !== 'gateway') throw invalid('only the "gateway" service can be scaled');
    const replicas = intInRange('replicas', body.replicas, 1, MAX_REPLICAS);
    if (replicas === undefined) throw invalid(`replicas must be an integer from 1 to ${MAX_REPLICAS}`);
    return this.serial(async () => {
      const status = await this.engine.scale('gateway', replicas);
      this.onStatus(status);
      return status;
    });
  }

  private async serviceAction(name: string, action: ServiceAction): Promise<StackStatus> {
    const matched = await this.requireService(name);
    // The engine says what it can do to each service; anything else would fail half-way or do
    // something other than asked (stopping the embedded gateway stops the whole stack).
    if (!matched.some((s) => s.actions.includes(action))) {
      const offered = [...new Set(matched.flatMap((s) => s.actions))].join(', ') || 'none';
      throw new DaemonError(
        409,
        'action_not_supported',
        `the ${this.engine.name} engine cannot ${action} "${name}" now (actions it offers: ${offered})`,
      );
    }
    return this.serial(async () => {
      if (action === 'start') await this.engine.startService(name);
      else if (action === 'stop') await this.engine.stopService(name);
      else await this.engine.restartService(name);
      return this.status();
    });
  }

  private async logs(
    name: string,
    params: URLSearchParams,
    openStream: () => SseStream,
  ): Promise<RouteResult> {
    const tail = intInRange('tail', params.get('tail'), 0, MAX_LOG_TAIL, 200)!;
    const follow = params.get('follow') === '1' || params.get('follow') === 'true';
    await this.requireService(name);
    if (!follow) {
      const items: Array<StackEvent & { type: 'log' }> = [];
      const stop = await this.engine.logs(name, { follow: false, tail }, (line) => items.push(line));
      stop();
      return { json: { items: items.slice(-Math.max(tail, 0)).map(logLine) } };
    }
    // The tail may arrive before `logs` resolves: hold it until the stream is open, so a failing
    // `logs` still gets a JSON error rather than a half-open stream.
    let stream: SseStream | undefined;
    const early: Array<StackEvent & { type: 'log' }> = [];
    const stop = await this.engine.logs(name, { follow: true, tail }, (line) => {
      if (stream) stream.send(logLine(line));
      else early.push(line);
    });
    stream = openStream();
    for (const line of early) stream.send(logLine(line));
    stream.onClose(stop);
    return { stream: true };
  }

  private events(stream: SseStream): void {
    // Log lines have their own stream per service; this one carries status changes and progress.
    const off = this.engine.onEvent((event) => {
      if (event.type !== 'log') stream.send(event);
    });
    stream.onClose(off);
  }

  /** The statuses `name` designates: one instance, or every instance of a service. */
  private async requireService(name: string): Promise<ServiceStatus[]> {
    const status = await this.engine.status();
    // A service of the definition (`gateway`) names all its instances (`gateway-1`, ...).
    const exact = status.services.filter((s) => s.name === name);
    const matched = exact.length > 0 ? exact : status.services.filter((s) => s.service === name);
    if (matched.length === 0) {
      const known = status.services.map((s) => s.name).join(', ') || 'none (is the stack running?)';
      throw new DaemonError(404, 'service_not_found', `no service "${name}"; services: ${known}`);
    }
    return matched;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function decodeName(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw invalid('service name is not valid percent-encoding');
  }
}

function logLine(event: StackEvent & { type: 'log' }) {
  return { service: event.service, stream: event.stream, line: event.line, ts: event.ts };
}

async function expect(method: string, wanted: string, fn: () => Promise<unknown>): Promise<RouteResult> {
  if (method !== wanted) throw new DaemonError(405, ErrorCode.MethodNotAllowed, `use ${wanted}`);
  return { json: await fn() };
}

function notAllowed(method: string, path: string): DaemonError {
  return new DaemonError(405, ErrorCode.MethodNotAllowed, `${method} is not allowed on ${path}`);
}
