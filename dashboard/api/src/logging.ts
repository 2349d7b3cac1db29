import { LOG_FORMAT } from '@relaybox/core';
import type { FastifyServerOptions } from 'fastify';

/**
 * Request logging that never carries secrets: requests are logged as method + path + client
 * address only (no headers, so no cookies, Authorization or CSRF tokens; no query string; never
 * a body), responses as their status. Errors are logged by `safeError`: never the fields a
 * database error carries about its query (its text, its parameters, `detail` with key values).
 * `redact` is a second line of defence for any log call that passes a raw request, headers or error.
 */
export function loggerOptions(level: string, stream?: NodeJS.WritableStream): FastifyServerOptions['logger'] {
  return {
    level,
    // The one log format of every RelayBox process; Fastify adds `reqId` to each request's lines.
    ...LOG_FORMAT,
    base: { service: 'control-plane' },
    ...(stream ? { stream } : {}),
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-csrf-token"]',
        'res.headers["set-cookie"]',
        'headers.authorization',
        'headers.cookie',
        'body',
        'req.body',
        'err.params',
        'err.parameters',
        'err.query',
        'err.detail',
        'err.where',
      ],
      censor: '[redacted]',
    },
    serializers: {
      req: (req: { method: string; url: string; ip?: string }) => ({
        method: req.method,
        path: req.url.split('?')[0],
        remoteAddress: req.ip,
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      err: safeError,
    },
  };
}

/** SQLSTATE: five digits or capital letters (PostgreSQL, PGlite). */
const SQLSTATE = /^[0-9A-Z]{5}$/;

/**
 * What a log line keeps of an error: its type, code and stack, and its message unless it is a
 * database error (whose message may quote a value, e.g. `invalid input syntax for type ...: "x"`);
 * a database error is named by its SQLSTATE and routine instead. Causes are reduced the same way.
 */
type SafeError = { type: string; message: string; stack: string; [key: string]: unknown };

export function safeError(error: unknown, depth = 0): SafeError {
  if (!(error instanceof Error)) return { type: typeof error, message: 'non-error thrown', stack: '' };
  const fields = error as Error & { code?: unknown; routine?: unknown; severity?: unknown };
  const code = typeof fields.code === 'string' ? fields.code : undefined;
  const database = code !== undefined && SQLSTATE.test(code) && fields.severity !== undefined;
  const message = database ? `database error ${code}` : error.message;
  const stack = (error.stack ?? '').split('\n').slice(1).join('\n');
  return {
    type: database ? 'DatabaseError' : error.name,
    message,
    ...(code ? { code } : {}),
    ...(database && typeof fields.routine === 'string' ? { routine: fields.routine } : {}),
    stack: `${error.name}: ${message}\n${stack}`,
    ...(error.cause !== undefined && depth < 3 ? { cause: safeError(error.cause, depth + 1) } : {}),
  };
}
