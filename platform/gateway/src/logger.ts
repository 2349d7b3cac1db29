import { LOG_FORMAT } from '@relaybox/core';
import { destination, pino } from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger whose every line carries `bindings` (e.g. `{ connectionId }`). */
  child(bindings: Record<string, unknown>): Logger;
}

function wrap(log: pino.Logger): Logger {
  return {
    debug: (message, fields) => log.debug(fields ?? {}, message),
    info: (message, fields) => log.info(fields ?? {}, message),
    warn: (message, fields) => log.warn(fields ?? {}, message),
    error: (message, fields) => log.error(fields ?? {}, message),
    child: (bindings) => wrap(log.child(bindings)),
  };
}

/**
 * pino JSON lines on stderr in the shared format (`LOG_FORMAT`: ISO `time`, `level` label, `msg`),
 * written synchronously so the last lines before an exit are never lost. Never pass secrets or
 * tokens as fields.
 */
export function createLogger(
  level: LogLevel,
  base: Record<string, unknown> = {},
  /** Where the lines go instead of stderr (one JSON line per call, with its newline). */
  sink?: { write(line: string): void },
): Logger {
  return wrap(
    pino(
      { level, base: { service: 'gateway', ...base }, ...LOG_FORMAT },
      sink ?? destination({ fd: 2, sync: true }),
    ),
  );
}
