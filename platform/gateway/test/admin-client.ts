import { request } from 'node:http';
import type { TraceEvent } from '@relaybox/core';

// Helpers of the admin API integration tests: plain HTTP (node:http, so Host can be forged) and an
// SSE reader on fetch + ReadableStream, as the console reads the stream.

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  // biome-ignore lint/suspicious/noExplicitAny: tests read the JSON field by field and expect() checks it
  body: any;
}

/** One request to a gateway on 127.0.0.1; `headers` may override Host. */
export function http(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<HttpResult> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: {
          ...(payload
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
            : {}),
          ...options.headers,
        },
        timeout: 10_000,
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        res.on('end', () => {
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            // not JSON: keep the text
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${path}: no answer in 10 s`)));
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

/** An admin client of one gateway: every request with the token and a local Host. */
export function adminOf(port: number, token: string) {
  const auth = { authorization: `Bearer ${token}` };
  return {
    get: async (path: string) => {
      const res = await http(port, `/v1/admin${path}`, { headers: auth });
      if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    },
    publish: (body: unknown) => http(port, '/v1/admin/publish', { method: 'POST', headers: auth, body }),
    traces: async (query: string): Promise<TraceEvent[]> =>
      (await http(port, `/v1/admin/traces?${query}`, { headers: auth })).body.items,
  };
}

/** Follows an SSE stream; `events` fills as `data:` lines arrive. Call `close()` when done. */
export async function openEventStream(url: string, token: string) {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
  if (res.status !== 200 || !res.body) throw new Error(`stream refused: ${res.status}`);
  const contentType = res.headers.get('content-type');
  const events: TraceEvent[] = [];
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const pump = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (block.startsWith('data: ')) events.push(JSON.parse(block.slice(6)) as TraceEvent);
        end = buffer.indexOf('\n\n');
      }
    }
  })().catch(() => {});
  return {
    contentType,
    events,
    close: async () => {
      controller.abort();
      await pump;
    },
  };
}

/** Polls `read` every 100 ms until `done` holds for its value; throws with the last value after `timeoutMs`. */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await read();
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`timed out; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
    last = await read();
  }
  return last;
}
