import { connect } from 'node:net';
import { isErrorCode } from '@relaybox/protocol';
import fc from 'fast-check';

/** The admin token the fuzzed gateway runs with (RELAYBOX_ADMIN_TOKEN). */
export const FUZZ_ADMIN_TOKEN = 'fuzz-admin-token-0123456789abcdef';

export interface RestRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
}

/** Percent-encodes every byte of `s` (as UTF-8; lone surrogates become U+FFFD) but unreserved ones. */
const encode = (s: string): string =>
  [...Buffer.from(s)]
    .map((b) =>
      /[A-Za-z0-9_.~-]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).padStart(2, '0')}`,
    )
    .join('');

/** Like `encode`, but leaves printable ASCII alone (stray `%`, `:` or `*` reach the router raw). */
const pathSafe = (s: string): string =>
  [...Buffer.from(s)]
    .map((b) =>
      b > 0x20 && b < 0x7f && b !== 0x3f && b !== 0x23
        ? String.fromCharCode(b)
        : `%${b.toString(16).padStart(2, '0')}`,
    )
    .join('');

const weirdText = fc.oneof(
  fc.constantFrom(
    '',
    '%',
    '%zz',
    '%00',
    '%2F',
    '..',
    '*',
    '>',
    'a:b',
    '\u0000',
    '\ud800',
    '𝄞',
    'x'.repeat(300),
  ),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ maxLength: 30 }),
);
const room = fc.oneof(fc.constantFrom('fuzz:room', 'fuzz:rest', 'public:a'), weirdText);
const number = fc.oneof(
  fc.constantFrom('0', '-1', '1', '1000', '1001', '1e999', '9007199254740993', 'NaN', '0x10', ' 1', ''),
  fc.integer().map(String),
);

const query = fc.oneof(
  fc
    .record(
      {
        direction: fc.oneof(fc.constantFrom('forwards', 'backwards'), weirdText),
        limit: number,
        fromSeq: number,
        toSeq: number,
        start: number,
        end: number,
        event: weirdText,
        cursor: weirdText,
        appId: fc.oneof(fc.constant('alpha'), weirdText),
        room: weirdText,
      },
      { requiredKeys: [] },
    )
    .map((q) => new URLSearchParams(q as Record<string, string>).toString()),
  fc.string({ maxLength: 60 }).map(pathSafe),
);

const path = fc.oneof(
  { weight: 4, arbitrary: room.map((r) => `/v1/rooms/${encode(r)}/messages`) },
  { weight: 2, arbitrary: room.map((r) => `/v1/rooms/${encode(r)}/presence`) },
  { weight: 1, arbitrary: room.map((r) => `/v1/rooms/${pathSafe(r)}/messages`) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('/v1/health', '/metrics', '/', '/v1', '/v1/rooms', '/v1/rooms//messages'),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom('overview', 'connections', 'rooms', 'rooms/', 'traces', 'publish', 'nope'), room)
      .map(([p, r]) => `/v1/admin/${p === 'rooms/' ? `rooms/${encode(r)}` : p}`),
  },
  {
    weight: 1,
    arbitrary: fc.array(weirdText, { maxLength: 4 }).map((parts) => `/${parts.map(pathSafe).join('/')}`),
  },
);

const body = fc.oneof(
  fc.constant(undefined),
  fc
    .record(
      {
        event: fc.oneof(fc.constant('n'), weirdText),
        data: fc.jsonValue({ maxDepth: 3 }),
        idempotencyKey: weirdText,
      },
      { requiredKeys: [] },
    )
    .map((b) => Buffer.from(JSON.stringify(b))),
  fc.jsonValue({ maxDepth: 4 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  fc
    .integer({ min: 10, max: 10_000 })
    .map((d) => Buffer.from(`{"event":"n","data":${'['.repeat(d)}${']'.repeat(d)}}`)),
  fc
    .constantFrom('{"event":"n","data":1e999}', '{"event":"n"}', '{"data":1}', '{', '[]', 'null')
    .map((s) => Buffer.from(s)),
  fc
    .integer({ min: 64 * 1024, max: 300 * 1024 })
    .map((n) => Buffer.from(`{"event":"n","data":"${'x'.repeat(n)}"}`)),
);

/** A generated request: method, path, query, credentials, content type and body. */
export function restRequest(apiKey: string): fc.Arbitrary<RestRequest> {
  const auth = fc.oneof(
    { weight: 5, arbitrary: fc.constant(`Bearer ${apiKey}`) },
    { weight: 2, arbitrary: fc.constant(`Bearer ${FUZZ_ADMIN_TOKEN}`) },
    { weight: 1, arbitrary: fc.constant(`Bearer ${apiKey.replace(/.$/, 'x')}`) },
    {
      weight: 1,
      arbitrary: fc
        .string({ unit: 'binary-ascii', maxLength: 80 })
        .map((s) => `Bearer ${s.replace(/[^\x20-\x7e]/g, '')}`),
    },
    { weight: 1, arbitrary: fc.constant('') },
  );
  return fc
    .record({
      method: fc.constantFrom('GET', 'GET', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
      path,
      query: fc.option(query, { nil: undefined }),
      auth,
      contentType: fc.constantFrom(
        'application/json',
        'application/json',
        'text/plain',
        '',
        'application/json; charset=latin1',
      ),
      body,
    })
    .map(({ method, path: p, query: q, auth: a, contentType, body: b }) => {
      const headers: Record<string, string> = {};
      if (a) headers.authorization = a;
      if (contentType) headers['content-type'] = contentType;
      return {
        method,
        path: q ? `${p}?${q}` : p,
        headers,
        body: method === 'GET' || method === 'HEAD' ? undefined : b,
      };
    });
}

/**
 * Sends `req` as raw HTTP/1.1 on its own connection (written at once, so a server that answers
 * before reading the body is not mistaken for one that hung up) and returns what is wrong with the
 * answer: no answer, a 5xx, a 4xx without `{error:{code,message}}`; undefined when it is right.
 */
export function restResponseProblem(base: string, req: RestRequest): Promise<string | undefined> {
  const url = new URL(base);
  const what = `${req.method} ${req.path.slice(0, 200)} (${req.body?.length ?? 0}-byte body ${JSON.stringify(req.body?.subarray(0, 120).toString())})`;
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
    const finish = () => {
      socket.destroy();
      resolve(judgeRaw(what, req.method, received.toString('utf8')));
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      // An event stream never ends: its headers are the answer.
      if (/\r\ncontent-type: text\/event-stream/i.test(received.toString('latin1'))) finish();
    });
    socket.on('error', () => {});
    socket.on('close', finish);
    socket.setTimeout(15_000, () => {
      socket.destroy();
      resolve(`${what}: no answer in 15 s`);
    });
  });
}

function judgeRaw(what: string, method: string, text: string): string | undefined {
  const match = /^HTTP\/1\.1 (\d{3}) [^\r]*\r\n([^]*?)\r\n\r\n([^]*)$/.exec(text);
  if (!match) return `${what}: no HTTP answer (${JSON.stringify(text.slice(0, 200))})`;
  const status = Number(match[1]);
  if (/content-type: text\/event-stream/i.test(match[2]!))
    return status === 200 ? undefined : `${what}: stream ${status}`;
  if (method === 'HEAD' && match[3] !== '') return `${what}: a HEAD answer with a body`;
  return judge(what, method, status, match[3]!);
}

function judge(what: string, method: string, status: number, text: string): string | undefined {
  if (status >= 500) return `${what}: ${status} ${text.slice(0, 200)}`;
  if (status < 400 || method === 'HEAD') return undefined;
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (isErrorCode(body.error?.code) && typeof body.error?.message === 'string') return undefined;
  } catch {}
  return `${what}: ${status} without {error:{code,message}}: ${text.slice(0, 200)}`;
}
