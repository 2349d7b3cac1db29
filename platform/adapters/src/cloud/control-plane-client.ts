/** Where cloud-mode adapters log: the gateway's Logger fits. Never pass secrets as fields. */
export interface CloudLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

export const SILENT_LOG: CloudLog = { info: () => {}, warn: () => {} };

export interface ControlPlaneOptions {
  /** Base URL of the control plane, e.g. `http://127.0.0.1:9100`. */
  url: string;
  /** `CONTROL_PLANE_SERVICE_TOKEN` of the control plane, sent as a bearer token. */
  token: string;
  /** Per request (not for the event stream). Default 3 s. */
  requestTimeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * The control plane could not answer (unreachable, timed out, 5xx, refused our service token).
 * Retryable: callers turn it into `store_unavailable`, never into "unknown key".
 */
export class ControlPlaneUnavailableError extends Error {
  override readonly name = 'ControlPlaneUnavailableError';

  constructor(
    message: string,
    options?: { cause?: unknown },
    /** The HTTP status the control plane answered with, when it answered. */
    readonly status?: number,
  ) {
    super(message, options);
  }
}

/** Thin HTTP client of the control plane's internal API (`/internal/v1/...`). */
export class ControlPlaneClient {
  private readonly base: string;
  private readonly fetchFn: typeof fetch;
  private readonly timeoutMs: number;

  constructor(private readonly options: ControlPlaneOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.fetchFn = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.requestTimeoutMs ?? 3000;
  }

  /** GET a JSON resource: its body, or undefined on 404. Anything else but 2xx throws. */
  async getJson(path: string): Promise<unknown> {
    const response = await this.request(path, { method: 'GET' });
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    try {
      return await response.json();
    } catch (error) {
      throw new ControlPlaneUnavailableError(`GET ${path}: body is not JSON`, { cause: error });
    }
  }

  async postJson(path: string, body: unknown): Promise<void> {
    const response = await this.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    await response.body?.cancel();
    if (response.status === 404) throw new ControlPlaneUnavailableError(`POST ${path}: 404`);
  }

  /** Opens a long-lived `text/event-stream`; `signal` ends it. */
  async openStream(path: string, signal: AbortSignal): Promise<ReadableStream<Uint8Array>> {
    const response = await this.send(
      path,
      { method: 'GET', headers: { accept: 'text/event-stream' } },
      signal,
    );
    const type = response.headers.get('content-type') ?? '';
    if (!response.ok || !response.body || !type.startsWith('text/event-stream')) {
      await response.body?.cancel();
      throw new ControlPlaneUnavailableError(`GET ${path}: HTTP ${response.status} (${type || 'no type'})`);
    }
    return response.body;
  }

  private async request(path: string, init: RequestInit): Promise<Response> {
    const response = await this.send(path, init, AbortSignal.timeout(this.timeoutMs));
    if (response.ok || response.status === 404) return response;
    await response.body?.cancel();
    throw new ControlPlaneUnavailableError(
      `${init.method} ${path}: HTTP ${response.status}`,
      undefined,
      response.status,
    );
  }

  private async send(path: string, init: RequestInit, signal: AbortSignal): Promise<Response> {
    const headers = {
      ...(init.headers as Record<string, string>),
      authorization: `Bearer ${this.options.token}`,
    };
    try {
      return await this.fetchFn(`${this.base}${path}`, { ...init, headers, signal });
    } catch (error) {
      throw new ControlPlaneUnavailableError(`${init.method} ${path}: ${describe(error)}`, { cause: error });
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return cause?.code ? `${error.message} (${cause.code})` : error.message;
  }
  return String(error);
}
