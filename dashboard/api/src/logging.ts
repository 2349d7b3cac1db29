import { LOG_FORMAT } from '@relaybox/core';
import type { FastifyServerOptions } from 'fastify';

/**
 * Request logging that never carries secrets: requests are logged as method + path + client
 * address only (no headers, so no cookies, Authorization or CSRF tokens; no query string; never
 * a body), responses as their status. `redact` is a second line of defence for any log call that
 * passes a raw request or headers object.
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
    },
  };
}
