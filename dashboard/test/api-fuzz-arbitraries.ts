import { encodeLoosely, encodePathSegment, type RawHttpRequest } from '@relaybox/core/testing';
import fc from 'fast-check';

/** A route of the control plane as Fastify lists it: `/api/apps/:appId` and its methods. */
export interface Route {
  path: string;
  methods: string[];
}

/** Parses `app.printRoutes({ commonPrefix: false })`: every route the server has, so none is missed. */
export function parseRouteTree(tree: string): Route[] {
  const routes: Route[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^([│\s]*)[├└]── (\S+)(?: \(([^)]+)\))?/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    stack.push(match[2]!);
    if (match[3]) routes.push({ path: stack.join(''), methods: match[3].split(', ') });
  }
  return routes;
}

/** The valid ids a path parameter may take (else a generated string). */
export interface Fixtures {
  appId: string;
  keyId: string;
  webhookId: string;
  cookie: string;
  csrf: string;
  serviceToken: string;
}

/**
 * Strings that reach deep: empty, long, unicode edges, SQL and path metacharacters. With `nul`, a
 * NUL byte is put into every other one (PostgreSQL refuses NUL in text: the known 500s).
 */
export function weirdString(nul: boolean): fc.Arbitrary<string> {
  const base = fc.oneof(
    fc.constantFrom(
      '',
      ' ',
      'x'.repeat(5000),
      "'; DROP TABLE apps; --",
      '%',
      '../',
      '\ud800',
      '𝄞',
      '\u202e',
      'https://example.com/h',
      'http://127.0.0.1:1/',
    ),
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
  );
  const noNul = base.map((s) => s.replaceAll('\u0000', ''));
  if (!nul) return noNul;
  return fc
    .tuple(noNul, fc.nat())
    .map(([s, at]) => `${s.slice(0, at % (s.length + 1))}\u0000${s.slice(at % (s.length + 1))}`);
}

function value(nul: boolean): fc.Arbitrary<unknown> {
  const str = weirdString(nul);
  return fc.oneof(
    str,
    fc.constantFrom(0, -1, 1.5, 1e308, 2 ** 53 + 2, null, true, false, [], {}),
    fc.integer(),
    fc.array(str, { maxLength: 4 }),
    fc
      .jsonValue({ maxDepth: 3 })
      .map((v) => (nul ? v : JSON.parse(JSON.stringify(v).replaceAll('\\u0000', '')))),
  );
}

/** Bodies shaped like the routes' own (`name`, `settings`, `permissions`, `url`...) with generated values, and anything else. */
export function body(nul: boolean): fc.Arbitrary<Buffer | undefined> {
  const v = value(nul);
  const shaped = fc.record(
    {
      name: v,
      email: v,
      password: v,
      url: v,
      events: fc.oneof(
        fc.array(fc.constantFrom('message.published', 'room.joined', 'nope'), { maxLength: 3 }),
        v,
      ),
      permissions: fc.oneof(
        fc.dictionary(
          fc.oneof(fc.constant('*'), weirdString(nul)),
          fc.array(fc.oneof(fc.constant('publish'), weirdString(nul)), { maxLength: 3 }),
          { maxKeys: 3 },
        ),
        v,
      ),
      settings: fc.oneof(
        fc.record(
          {
            historyMaxMessages: v,
            historyMaxAgeSec: v,
            allowedOrigins: v,
            limits: fc.oneof(
              fc.record(
                { maxConnections: v, publishRatePerSec: v, maxRoomsPerConnection: v },
                { requiredKeys: [] },
              ),
              v,
            ),
          },
          { requiredKeys: [] },
        ),
        v,
      ),
      nodeId: v,
      items: fc.oneof(
        fc.array(fc.record({ appId: v, day: v, connections: v, messages: v }, { requiredKeys: [] }), {
          maxLength: 3,
        }),
        v,
      ),
    },
    { requiredKeys: [] },
  );
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 6, arbitrary: shaped.map((b) => Buffer.from(JSON.stringify(b))) },
    { weight: 1, arbitrary: v.map((b) => Buffer.from(JSON.stringify(b) ?? 'null')) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.from(b)) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('{', '{"name":', '[]', 'null', '"x"', `{"name":"${'a'.repeat(300_000)}"}`)
        .map((s) => Buffer.from(s)),
    },
  );
}

/** A request to one of `routes`: its method (or another), its parameters valid or generated, credentials usually valid. */
export function controlPlaneRequest(
  routes: Route[],
  fixtures: () => Fixtures,
  nul: boolean,
): fc.Arbitrary<RawHttpRequest> {
  const str = weirdString(nul);
  return fc
    .record({
      route: fc.constantFrom(...routes),
      otherMethod: fc.option(fc.constantFrom('GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'HEAD', 'OPTIONS'), {
        freq: 8,
        nil: undefined,
      }),
      methodPick: fc.nat(),
      params: fc.array(fc.option(str, { freq: 2, nil: undefined }), { minLength: 3, maxLength: 3 }),
      query: fc.option(
        fc.dictionary(
          fc.constantFrom('days', 'limit', 'cursor', 'appId', 'x'),
          fc.oneof(str, fc.constantFrom('7', '0', '-1', '1e9', '30')),
        ),
        { nil: undefined },
      ),
      credentials: fc.constantFrom('valid', 'valid', 'valid', 'valid', 'no-csrf', 'none', 'garbage'),
      contentType: fc.constantFrom(
        'application/json',
        'application/json',
        'application/json',
        'text/plain',
        '',
      ),
      body: body(nul),
    })
    .map(({ route, otherMethod, methodPick, params, query, credentials, contentType, body: b }) => {
      const f = fixtures();
      const valid: Record<string, string> = { appId: f.appId, keyId: f.keyId, id: f.webhookId };
      let i = 0;
      const path = route.path.replace(/:(\w+)/g, (_, name: string) => {
        const generated = params[i++];
        return generated === undefined
          ? (valid[name] ?? 'x')
          : i % 2
            ? encodePathSegment(generated)
            : encodeLoosely(generated);
      });
      const method = otherMethod ?? route.methods[methodPick % route.methods.length]!;
      const headers: Record<string, string> = {};
      const internal = route.path.startsWith('/internal/');
      if (credentials !== 'none') {
        if (internal)
          headers.authorization = `Bearer ${credentials === 'garbage' ? 'x'.repeat(30) : f.serviceToken}`;
        else headers.cookie = `rb_session=${credentials === 'garbage' ? 'bm9wZQ' : f.cookie}`;
        if (credentials === 'valid' && !internal) headers['x-csrf-token'] = f.csrf;
      }
      if (contentType && b) headers['content-type'] = contentType;
      const qs = query ? `?${new URLSearchParams(query).toString()}` : '';
      return {
        method,
        path: path + qs,
        headers,
        body: method === 'GET' || method === 'HEAD' ? undefined : b,
      };
    });
}
