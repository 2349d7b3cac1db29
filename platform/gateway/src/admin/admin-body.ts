import { ErrorCode, RelayBoxError } from '@relaybox/protocol';

/** A request body that must be one JSON object (empty: `{}` when `emptyOk`). */
export function jsonObject(body: Buffer, emptyOk = false): Record<string, unknown> {
  if (body.length === 0 && emptyOk) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new RelayBoxError(ErrorCode.InvalidRequest, 'body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new RelayBoxError(ErrorCode.InvalidRequest, 'body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/** `b[name]`: undefined, or a string of 1..max characters. */
export function optionalString(b: Record<string, unknown>, name: string, max: number): string | undefined {
  const value = b[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw new RelayBoxError(ErrorCode.InvalidRequest, `"${name}" must be a string of 1-${max} characters`);
  }
  return value;
}

export function requiredString(b: Record<string, unknown>, name: string, max: number): string {
  const value = optionalString(b, name, max);
  if (value === undefined) throw new RelayBoxError(ErrorCode.InvalidRequest, `"${name}" is required`);
  return value;
}
