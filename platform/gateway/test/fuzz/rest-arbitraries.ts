import { encodeLoosely, encodePathSegment, type RawHttpRequest } from '@relaybox/core/testing';
import fc from 'fast-check';

/** The admin token the fuzzed gateway runs with (RELAYBOX_ADMIN_TOKEN). */
export const FUZZ_ADMIN_TOKEN = 'fuzz-admin-token-0123456789abcdef';

const encode = encodePathSegment;
const pathSafe = encodeLoosely;

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
      .tuple(
        fc.constantFrom(
          'overview',
          'connections',
          'rooms',
          'rooms/',
          'traces',
          'publish',
          'nope',
          'auth/apps',
          'auth/dev-mailbox',
        ),
        room,
      )
      .map(([p, r]) => `/v1/admin/${p === 'rooms/' ? `rooms/${encode(r)}` : p}`),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.constantFrom(
          'explain',
          'webhooks',
          'webhooks/dead-letters',
          'webhooks/dead-letters/requeue',
          'webhooks/inbox',
          'webhooks/inbox/x/deliveries',
          'webhooks/inbox/x/replay',
          'webhooks/x/deliveries',
          'auth/users',
          'auth/users/x',
          'auth/users/x/revoke',
          'auth/sessions/x/revoke',
          'dev/inbox/x',
        ),
        room,
      )
      .map(([p, r]) => {
        const path = p.replace('x', pathSafe(r) || 'x');
        return p.startsWith('dev/') ? `/v1/${path}` : `/v1/admin/${path}`;
      }),
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
export function restRequest(apiKey: string): fc.Arbitrary<RawHttpRequest> {
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
