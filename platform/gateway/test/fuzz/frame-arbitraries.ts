import fc from 'fast-check';

/**
 * Generators of client frames for the gateway fuzz tests: valid frames of every type, valid frames
 * mutated (a field dropped, retyped, renamed; the type changed), random bytes as text or binary,
 * deep nesting, huge and non-finite numbers, unicode edge cases. Every frame is at most
 * `maxFrameBytes` (the oversized ones have their own generator and their own test).
 */

/** A frame as sent: text (UTF-8, possibly not valid JSON) or binary. */
export type WireFrame =
  | { kind: 'text'; text: string }
  | { kind: 'binary'; bytes: Uint8Array }
  /** Bytes sent as a text frame, usually not valid UTF-8. */
  | { kind: 'raw-text'; bytes: Uint8Array };

/** Refs at or above this are the test's own markers; generated refs stay below. */
export const MARKER_REF_BASE = 9_000_000_000_000_000;

const EDGE_STRINGS = [
  '',
  '\u0000',
  'a\u0000b',
  '\ud800', // lone high surrogate
  '\udfff', // lone low surrogate
  '\ufeff', // byte order mark
  '\u202e', // right-to-left override
  '\uffff',
  '𝄞', // outside the BMP
  '👩‍👩‍👧‍👦', // a zero-width-joined sequence
  'e\u0301', // a combining accent
  '\r\n',
  '%00',
  '../../etc/passwd',
  '*',
  '>',
  'a:*',
  'a:>',
  ':',
  'a::b',
  '__proto__',
  'constructor',
  'x'.repeat(201),
];

const HUGE_NUMBERS = [
  0,
  -0,
  -1,
  1.5,
  2 ** 31,
  2 ** 32 + 1,
  2 ** 53 - 1,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53),
  1e21,
  1e308,
  -1e308,
  5e-324,
  Number.MAX_VALUE,
];

const edgeString = fc.oneof(
  fc.constantFrom(...EDGE_STRINGS),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
);

const roomName = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('fuzz:room', 'fuzz:other', 'public:a:b', 'chat:x') },
  { weight: 3, arbitrary: fc.stringMatching(/^[A-Za-z0-9_.@~=+-]{1,20}(:[A-Za-z0-9_.@~=+-]{1,20}){0,3}$/) },
  { weight: 2, arbitrary: edgeString },
);

const ref = fc.oneof(
  { weight: 8, arbitrary: fc.nat({ max: 1_000_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: MARKER_REF_BASE - 1 }) },
);

const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...HUGE_NUMBERS),
  edgeString,
  fc.constantFrom(null, true, false, [], {}),
  fc.jsonValue({ maxDepth: 3 }),
);

const historyQuery = fc.record(
  {
    direction: fc.oneof(fc.constantFrom('forwards', 'backwards'), weirdValue),
    limit: fc.oneof(fc.integer({ min: 1, max: 1000 }), weirdValue),
    fromSeq: fc.oneof(fc.integer({ min: 1, max: 50 }), weirdValue),
    toSeq: fc.oneof(fc.integer({ min: 1, max: 50 }), weirdValue),
    start: fc.oneof(fc.nat(), weirdValue),
    end: fc.oneof(fc.nat(), weirdValue),
    event: fc.oneof(fc.constantFrom('n', 'e'), weirdValue),
    cursor: fc.oneof(fc.string({ maxLength: 60 }), weirdValue),
  },
  { requiredKeys: [] },
);

/** A frame of each type, with valid fields (the room may still be one the client did not join). */
export const validFrame: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({ type: fc.constantFrom('join', 'leave', 'unsubscribe'), ref, room: roomName }),
  fc.record({ type: fc.constant('subscribe'), ref, room: roomName }),
  fc.record({
    type: fc.constant('subscribe'),
    ref,
    room: roomName,
    fromSeq: fc.integer({ min: 1, max: 100 }),
  }),
  fc.record({
    type: fc.constant('publish'),
    ref,
    room: roomName,
    event: fc.constantFrom('n', 'chat', 'ü'),
    data: fc.jsonValue({ maxDepth: 4 }),
  }),
  fc.record({
    type: fc.constant('publish'),
    ref,
    room: roomName,
    event: fc.constant('n'),
    data: fc.jsonValue({ maxDepth: 2 }),
    idempotencyKey: fc.string({ minLength: 1, maxLength: 30 }),
  }),
  fc.record(
    {
      type: fc.constant('presence'),
      ref,
      room: roomName,
      action: fc.constantFrom('enter', 'update', 'leave'),
      data: fc.jsonValue({ maxDepth: 3 }),
    },
    { requiredKeys: ['type', 'ref', 'room', 'action'] },
  ),
  fc.record({
    type: fc.constantFrom(
      'presence.get',
      'presence.subscribe',
      'presence.unsubscribe',
      'metrics.subscribe',
      'metrics.unsubscribe',
    ),
    ref,
    room: roomName,
  }),
  fc.record({ type: fc.constant('history'), ref, room: roomName, query: historyQuery }),
  fc.record({ type: fc.constant('refresh'), ref, token: fc.string({ minLength: 1, maxLength: 200 }) }),
  fc.record({ type: fc.constant('ping'), ref }),
);

/** A valid frame with one to three mutations. */
const mutatedFrame = fc
  .tuple(
    validFrame,
    fc.array(
      fc.tuple(
        fc.constantFrom('drop', 'retype', 'add', 'type', 'ref'),
        fc.constantFrom(
          'type',
          'ref',
          'room',
          'event',
          'data',
          'action',
          'query',
          'fromSeq',
          'token',
          'idempotencyKey',
        ),
        weirdValue,
      ),
      { minLength: 1, maxLength: 3 },
    ),
  )
  .map(([frame, mutations]) => {
    const out: Record<string, unknown> = { ...frame };
    for (const [op, field, value] of mutations) {
      if (op === 'drop') delete out[field];
      else if (op === 'retype') out[field] = value;
      else if (op === 'add') out[typeof value === 'string' && value ? value : `x${field}`] = value;
      else if (op === 'type') out.type = typeof value === 'string' ? value : 'no-such-type';
      else out.ref = value;
    }
    return out;
  });

/** `depth` nested arrays or objects, as JSON text (built as text: too deep for JSON.stringify's taste). */
const deepNesting = fc
  .tuple(fc.integer({ min: 50, max: 10_000 }), fc.constantFrom('array', 'object', 'publish'), ref)
  .map(([depth, shape, r]): string => {
    if (shape === 'array') return `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const nested = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    if (shape === 'object') return nested;
    return `{"type":"publish","ref":${r},"room":"fuzz:room","event":"n","data":${nested}}`;
  });

/** Number literals JSON.parse turns into Infinity, -0 or lossy values. */
const hugeNumberText = fc
  .tuple(
    fc.constantFrom('1e999', '-1e999', '-0', '1e-999', '123456789012345678901234567890', '0.1e1'),
    fc.constantFrom('ref', 'fromSeq', 'limit', 'data'),
  )
  .map(([literal, field]) =>
    field === 'ref'
      ? `{"type":"ping","ref":${literal}}`
      : field === 'fromSeq'
        ? `{"type":"subscribe","ref":7,"room":"fuzz:room","fromSeq":${literal}}`
        : field === 'limit'
          ? `{"type":"history","ref":8,"room":"fuzz:room","query":{"limit":${literal}}}`
          : `{"type":"publish","ref":9,"room":"fuzz:room","event":"n","data":${literal}}`,
  );

/** Text with a byte flipped, cut short, or doubled: JSON that is almost right. */
const textMutation = fc
  .tuple(
    validFrame.map((f) => JSON.stringify(f)),
    fc.nat(),
    fc.constantFrom('cut', 'flip', 'double', 'insert'),
    fc.string({ unit: 'binary', maxLength: 3 }),
  )
  .map(([text, at, op, extra]) => {
    const i = at % Math.max(1, text.length);
    if (op === 'cut') return text.slice(0, i);
    if (op === 'double') return text + text;
    if (op === 'flip')
      return text.slice(0, i) + String.fromCharCode(text.charCodeAt(i) ^ 0x20) + text.slice(i + 1);
    return text.slice(0, i) + extra + text.slice(i);
  });

const text = (t: string): WireFrame => ({ kind: 'text', text: t });

/** Everything but oversized frames, weighted towards what reaches deep into the gateway. */
export const wireFrame: fc.Arbitrary<WireFrame> = fc.oneof(
  { weight: 30, arbitrary: validFrame.map((f) => text(JSON.stringify(f))) },
  { weight: 25, arbitrary: mutatedFrame.map((f) => text(JSON.stringify(f))) },
  { weight: 10, arbitrary: textMutation.map(text) },
  {
    weight: 8,
    arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes): WireFrame => ({ kind: 'binary', bytes })),
  },
  { weight: 8, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map(text) },
  {
    weight: 1,
    arbitrary: fc
      .uint8Array({ minLength: 1, maxLength: 100 })
      .map((bytes): WireFrame => ({ kind: 'raw-text', bytes })),
  },
  { weight: 5, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => text(JSON.stringify(v) ?? 'null')) },
  { weight: 5, arbitrary: deepNesting.map(text) },
  { weight: 5, arbitrary: hugeNumberText.map(text) },
  {
    weight: 4,
    arbitrary: fc.constantFrom('', ' ', 'null', '[]', '{}', '"x"', '{"ref":1}', '{"type":"ping"}').map(text),
  },
);

/** Sizes above `maxFrameBytes`: up to twice it, and far above (up to 2 MB). */
export function oversizedSize(maxFrameBytes: number): fc.Arbitrary<number> {
  return fc.oneof(
    fc.integer({ min: maxFrameBytes + 1, max: 2 * maxFrameBytes }),
    fc.integer({ min: 2 * maxFrameBytes + 1, max: 2 * 1024 * 1024 }),
  );
}

/** A publish frame of exactly `size` bytes (built in the property, so a failure prints only the size). */
export function publishOfSize(size: number): string {
  const head = '{"type":"publish","ref":1,"room":"fuzz:room","event":"n","data":"';
  return `${head}${'x'.repeat(Math.max(0, size - head.length - 2))}"}`;
}

/** Bytes that a text frame may not carry (RFC 6455 requires UTF-8). */
export function isInvalidUtf8(frame: WireFrame): boolean {
  if (frame.kind !== 'raw-text') return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(frame.bytes);
    return false;
  } catch {
    return true;
  }
}

/** The `ref` the gateway will echo: a non-negative safe integer of a JSON object, else undefined. */
export function usableRef(frame: WireFrame): number | undefined {
  if (frame.kind !== 'text') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(frame.text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const r = (parsed as { ref?: unknown }).ref;
  return Number.isSafeInteger(r) && (r as number) >= 0 ? (r as number) : undefined;
}
