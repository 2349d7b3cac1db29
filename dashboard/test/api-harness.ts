import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { loadConfig } from '../api/src/config.js';
import { type ControlPlane, createControlPlane } from '../api/src/server.js';

/** Replies are read loosely in tests; a wrong shape fails the assertion that reads it. */
// biome-ignore lint/suspicious/noExplicitAny: see above
export type Loose = any;

const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh PostgreSQL database for one test file; `drop()` removes it. */
export async function createTestDatabase(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `cp_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  return {
    name,
    url: `postgres://postgres@127.0.0.1:5432/${name}`,
    // pg's pool resolves `end()` before its sockets have closed; a forced DROP right away can make
    // the server kill them, which surfaces as an unhandled FATAL 57P01. Let them close first.
    drop: async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

export interface RunningControlPlane {
  readonly url: string;
  readonly serviceToken: string;
  readonly masterKey: string;
  /** Every log line the server wrote. */
  readonly logs: string[];
  readonly controlPlane: ControlPlane;
  close(): Promise<void>;
}

/** A control plane on a random port, logging into memory; cheap argon2 params (test only). */
export async function startControlPlane(
  env: Record<string, string | undefined>,
): Promise<RunningControlPlane> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cp-test-'));
  const serviceToken = randomBytes(24).toString('base64url');
  const masterKey = randomBytes(32).toString('base64');
  const config = loadConfig({
    PORT: '0',
    DATA_DIR: dataDir,
    MASTER_KEY: masterKey,
    CONTROL_PLANE_SERVICE_TOKEN: serviceToken,
    ARGON2_MEMORY_KIB: '1024',
    ARGON2_TIME_COST: '1',
    LOG_LEVEL: 'debug',
    WEBHOOK_TEST_TIMEOUT_MS: '2000',
    // Tests sign up many accounts from 127.0.0.1; a test of the limit passes its own.
    SIGNUP_RATE_LIMIT: '10000',
    ...env,
  });
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk, _encoding, callback) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      callback();
    },
  });
  const controlPlane = await createControlPlane(config, { logStream });
  const url = await controlPlane.listen();
  return {
    url,
    serviceToken,
    masterKey,
    logs,
    controlPlane,
    close: async () => {
      await controlPlane.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Reply<T = Loose> {
  status: number;
  body: T;
  headers: Headers;
  text: string;
}

/** A browser-like client: keeps the `rb_session` cookie and sends the CSRF token it was given. */
export class BrowserClient {
  cookie: string | null = null;
  csrfToken: string | null = null;

  constructor(
    readonly baseUrl: string,
    readonly ip = '127.0.0.1',
  ) {}

  async request<T = Loose>(
    method: string,
    path: string,
    body?: unknown,
    options: { csrf?: string | null; contentType?: string; rawBody?: string } = {},
  ): Promise<Reply<T>> {
    const headers: Record<string, string> = { 'x-forwarded-for': this.ip };
    if (this.cookie) headers.cookie = `rb_session=${this.cookie}`;
    const csrf = options.csrf === undefined ? this.csrfToken : options.csrf;
    if (csrf && method !== 'GET') headers['x-csrf-token'] = csrf;
    let payload: string | undefined = options.rawBody;
    if (body !== undefined) payload = JSON.stringify(body);
    if (payload !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body: payload });
    const setCookie = response.headers.getSetCookie().find((c) => c.startsWith('rb_session='));
    if (setCookie) {
      const value = setCookie.slice('rb_session='.length).split(';')[0] ?? '';
      this.cookie = value === '' ? null : value;
    }
    const text = await response.text();
    const parsed = text ? JSON.parse(text) : undefined;
    if (parsed?.csrfToken) this.csrfToken = parsed.csrfToken;
    return { status: response.status, body: parsed, headers: response.headers, text };
  }

  get = <T = Loose>(path: string) => this.request<T>('GET', path);
  post = <T = Loose>(path: string, body?: unknown) => this.request<T>('POST', path, body);
  patch = <T = Loose>(path: string, body?: unknown) => this.request<T>('PATCH', path, body);
  delete = <T = Loose>(path: string) => this.request<T>('DELETE', path);

  async signup(email = `u${randomBytes(4).toString('hex')}@example.com`, password = 'correct horse battery') {
    const reply = await this.post('/api/auth/signup', { email, password });
    if (reply.status !== 201) throw new Error(`signup failed: ${reply.status} ${reply.text}`);
    return { email, password, user: reply.body.user as { id: string; email: string } };
  }
}

/** Calls the internal API with the service token (or another token). */
export async function internal(
  cp: RunningControlPlane,
  method: string,
  path: string,
  body?: unknown,
  token = cp.serviceToken,
) {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${cp.url}/internal/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, text };
}

export interface SseEvent {
  event: string;
  data: unknown;
}

/** Reads `/internal/v1/keys/events`; `next(predicate)` waits (bounded) for a matching event. */
export async function openKeyEventStream(cp: RunningControlPlane) {
  const controller = new AbortController();
  const response = await fetch(`${cp.url}/internal/v1/keys/events`, {
    headers: { authorization: `Bearer ${cp.serviceToken}` },
    signal: controller.signal,
  });
  const events: SseEvent[] = [];
  const waiters = new Set<() => void>();
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let markEnded: () => void = () => undefined;
  /** Resolves when the server ends the stream (or it is aborted). */
  const ended = new Promise<void>((resolve) => {
    markEnded = resolve;
  });
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event) events.push({ event, data: data ? JSON.parse(data) : undefined });
          for (const wake of waiters) wake();
          end = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // aborted
    } finally {
      markEnded();
    }
  })();
  const next = (predicate: (e: SseEvent) => boolean, timeoutMs = 5000) =>
    new Promise<SseEvent>((resolve, reject) => {
      const check = () => {
        const found = events.find(predicate);
        if (!found) return;
        cleanup();
        resolve(found);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no matching SSE event within ${timeoutMs} ms; got ${JSON.stringify(events)}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  return { response, events, next, ended, close: () => controller.abort() };
}
