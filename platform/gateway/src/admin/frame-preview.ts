import type { AdminFrame } from '@relaybox/protocol';

/** Characters of a frame shown in the inspector at most. */
export const PREVIEW_CHARS = 200;
/** Fields whose values never leave the gateway: tokens (`refresh`), the resume secret (`connected`). */
const SECRET_KEY = /token|secret|password|authorization|signature|apikey|credential/i;
/** Anything shaped like a JWT, wherever it sits (a bad frame is shown as text). */
const JWT = /eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/g;
const REDACTED = '[redacted]';

/**
 * What the inspector shows of one frame: its type, size and a redacted, truncated preview.
 * Runs only while someone watches the connection (see `FrameRecorder`).
 */
export function describeFrame(dir: AdminFrame['dir'], text: string, at: number): Omit<AdminFrame, 'n'> {
  let type = 'invalid';
  let shown: string;
  try {
    const parsed: unknown = JSON.parse(text);
    if (isObject(parsed) && typeof parsed.type === 'string') type = parsed.type;
    shown = JSON.stringify(redact(parsed, 0));
  } catch {
    shown = text;
  }
  shown = shown.replace(JWT, REDACTED);
  const truncated = shown.length > PREVIEW_CHARS;
  return {
    dir,
    type,
    size: text.length,
    at,
    preview: truncated ? `${shown.slice(0, PREVIEW_CHARS)}…` : shown,
    truncated,
  };
}

function redact(value: unknown, depth: number): unknown {
  if (depth > 8) return '…';
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) && v !== null && v !== undefined ? REDACTED : redact(v, depth + 1);
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
