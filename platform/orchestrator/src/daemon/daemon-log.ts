import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { createLogger, type Logger, type LogLevel } from '@relaybox/gateway';

export interface FileLogger {
  /** `service: "daemon"`: the daemon's own lines (one per request, with its `reqId`). */
  daemon: Logger;
  /** `service: "cli"`: the `relaybox up` process's lifecycle (stack up, stopping, daemon failures). */
  cli: Logger;
  close(): void;
}

/**
 * pino JSON lines (the shared `LOG_FORMAT`) appended synchronously to one file, e.g.
 * `.relaybox/logs/daemon.log`, which `relaybox logs daemon` shows. The file is private (0600):
 * nothing secret is logged, but it sits beside the stack's keys.
 */
export function fileLogger(path: string, level: LogLevel = 'info'): FileLogger {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let fd: number | undefined = openSync(path, 'a', 0o600);
  const sink = {
    write: (line: string) => {
      if (fd !== undefined) writeSync(fd, line);
    },
  };
  return {
    daemon: createLogger(level, { service: 'daemon', pid: process.pid }, sink),
    cli: createLogger(level, { service: 'cli', pid: process.pid }, sink),
    close: () => {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}
