import { connect } from 'node:net';
import { isErrorCode } from '@relaybox/protocol';

/** One HTTP request as the fuzz tests send it: anything the generators made, sent as is. */
export interface RawHttpRequest {
  method: string;
  /** Path and query, already encoded as they should go on the wire. */
  path: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
}

/** Percent-encodes every byte of `s` (as UTF-8; lone surrogates become U+FFFD) but unreserved ones. */
export function encodePathSegment(s: string): string {
  return [...Buffer.from(s)]
    .map((b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : percent(b)))
    .join('');
}

/** Like `encodePathSegment` but leaves printable ASCII (but `?` and `#`) raw: stray `%`, `/`, `*` reach the router. */
export function encodeLoosely(s: string): string {
  return [...Buffer.from(s)]
    .map((b) => (b > 0x20 && b < 0x7f && b !== 0x3f && b !== 0x23 ? String.fromCharCode(b) : percent(b)))
    .join('');
}

const percent = (b: number) => `%${b.toString(16).padStart(2, '0')}`;

/**
 * Sends `req` as raw HTTP/1.1 on its own connection (written at once, so a server that answers
 * before reading a body is not mistaken for one that hung up) and says what is wrong with the
 * answer: none at all, a 5xx, a HEAD answer with a body, a 4xx without `{error:{code,message}}`
 * (code from the shared enum). Undefined when the answer is right. An event stream's headers are
 * its answer.
 */
export function httpAnswerProblem(
  baseUrl: string,
  req: RawHttpRequest,
  timeoutMs = 15_000,
): Promise<string | undefined> {
  const url = new URL(baseUrl);
  const what = `${req.method} ${req.path.slice(0, 200)} (${req.body?.length ?? 0}-byte body ${JSON.stringify(req.body?.subarray(0, 160).toString())})`;
  const head = [`${req.method} ${req.path} HTTP/1.1`, `host: ${url.host}`, 'connection: close'];
  for (const [name, value] of Object.entries(req.headers)) head.push(`${name}: ${value}`);
  if (req.body) head.push(`content-length: ${req.body.length}`);
  const wire = Buffer.concat([
    Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'),
    req.body ?? Buffer.alloc(0),
  ]);
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.write(wire));
    let received = Buffer.alloc(0);
    let done = false;
    const finish = (problem: string | undefined) => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve(problem);
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (/\r\ncontent-type: text\/event-stream/i.test(received.toString('latin1')))
        finish(judge(what, req.method, received.toString('utf8')));
    });
    socket.on('error', () => {});
    socket.on('close', () => finish(judge(what, req.method, received.toString('utf8'))));
    socket.setTimeout(timeoutMs, () => finish(`${what}: no answer in ${timeoutMs} ms`));
  });
}

function judge(what: string, method: string, text: string): string | undefined {
  const match = /^HTTP\/1\.1 (\d{3}) [^\r]*\r\n([\s\S]*?)\r\n\r\n([\s\S]*)$/.exec(text);
  if (!match) return `${what}: no HTTP answer (${JSON.stringify(text.slice(0, 200))})`;
  const [, statusText, headers, rawBody] = match as unknown as [string, string, string, string];
  const status = Number(statusText);
  if (status >= 500) return `${what}: ${status} ${rawBody.slice(0, 300)}`;
  if (/content-type: text\/event-stream/i.test(headers)) return undefined;
  if (method === 'HEAD') return rawBody === '' ? undefined : `${what}: a HEAD answer with a body`;
  if (status < 400) return undefined;
  const body = /transfer-encoding: chunked/i.test(headers) ? dechunk(rawBody) : rawBody;
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
    if (isErrorCode(parsed.error?.code) && typeof parsed.error?.message === 'string') return undefined;
  } catch {}
  return `${what}: ${status} without {error:{code,message}}: ${body.slice(0, 300)}`;
}

function dechunk(text: string): string {
  let out = '';
  let rest = text;
  for (;;) {
    const line = rest.indexOf('\r\n');
    const size = Number.parseInt(rest.slice(0, line), 16);
    if (!(size > 0)) return out;
    out += rest.slice(line + 2, line + 2 + size);
    rest = rest.slice(line + 2 + size + 2);
  }
}
