import { ErrorCode } from '@relaybox/protocol';
import type { FastifyInstance } from 'fastify';
import { ApiError } from './lib/api-error.js';

/**
 * C0 control characters but tab, line feed and carriage return, and DEL. NUL first of all:
 * PostgreSQL text and jsonb cannot hold it, so it would fail inside a query (a 500).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/**
 * Refuses, with a 400 `invalid_request` naming the field, any request whose path parameters,
 * query string or JSON body holds a control character, in a value or a key; runs before schema
 * validation and before any route reaches PostgreSQL. The walk is iterative: a deeply nested body
 * cannot overflow the stack.
 */
export function installInputGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    for (const [where, value] of [
      ['params', request.params],
      ['querystring', request.query],
      ['body', request.body],
    ] as const) {
      const field = findControl(value);
      if (field !== null) {
        const name = field === '' ? where : field;
        throw new ApiError(
          ErrorCode.InvalidRequest,
          `${where}${field ? `.${field}` : ''} must not contain control characters`,
          {
            field: name,
          },
        );
      }
    }
  });
}

/** The dotted path of the first string (value or key) holding a control character, or null. */
export function findControl(root: unknown): string | null {
  const stack: Array<[unknown, string]> = [[root, '']];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [value, path] = item;
    if (typeof value === 'string') {
      if (CONTROL.test(value)) return path;
    } else if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) stack.push([value[i], join(path, String(i))]);
    } else if (value !== null && typeof value === 'object') {
      for (const [key, v] of Object.entries(value)) {
        if (CONTROL.test(key)) return join(path, key.replace(CONTROL, '?'));
        stack.push([v, join(path, key)]);
      }
    }
  }
  return null;
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);
