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

/**
 * Methods on a prototype, not closures per instance: every connection holds a child logger, and a
 * closure per level per connection cost ~300 bytes each on an idle gateway (issue 15). A child's
 * pino logger (its serialized bindings and per-level methods, ~1 KB) is made on its first line:
 * most connections never log.
 */
class PinoLogger implements Logger {
  private made: pino.Logger | undefined;

  constructor(
    private readonly parent: pino.Logger | PinoLogger,
    private readonly bindings?: Record<string, unknown>,
  ) {}

  private get log(): pino.Logger {
    if (this.made === undefined) {
      const { parent, bindings } = this;
      const base = parent instanceof PinoLogger ? parent.log : parent;
      this.made = bindings === undefined ? base : base.child(bindings);
    }
    return this.made;
  }

  debug(message: string, fields?: Record<string, unknown>): void {
    this.log.debug(fields ?? {}, message);
  }

  info(message: string, fields?: Record<string, unknown>): void {
    this.log.info(fields ?? {}, message);
  }

  warn(message: string, fields?: Record<string, unknown>): void {
    this.log.warn(fields ?? {}, message);
  }

  error(message: string, fields?: Record<string, unknown>): void {
    this.log.error(fields ?? {}, message);
  }

  child(bindings: Record<string, unknown>): Logger {
    return new PinoLogger(this, bindings);
  }
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
  return new PinoLogger(
    pino(
      { level, base: { service: 'gateway', ...base }, ...LOG_FORMAT },
      sink ?? destination({ fd: 2, sync: true }),
    ),
  );
}
