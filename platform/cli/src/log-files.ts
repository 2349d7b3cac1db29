import {
  closeSync,
  createWriteStream,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  type WriteStream,
} from 'node:fs';
import { join } from 'node:path';
import type { StackEvent } from '@relaybox/orchestrator';

const fileOf = (logDir: string, service: string) => join(logDir, `${service.replace(/[^\w.-]/g, '_')}.log`);

/** The `up` process's side: every service's log lines appended to `<logDir>/<service>.log`. */
export class LogFileWriter {
  private readonly streams = new Map<string, WriteStream>();

  constructor(private readonly logDir: string) {
    // Logs are per stack: a new `up` starts with empty files.
    rmSync(logDir, { recursive: true, force: true });
    mkdirSync(logDir, { recursive: true });
  }

  write(event: StackEvent & { type: 'log' }): void {
    let stream = this.streams.get(event.service);
    if (!stream) {
      stream = createWriteStream(fileOf(this.logDir, event.service), { flags: 'a' });
      stream.on('error', () => {});
      this.streams.set(event.service, stream);
    }
    stream.write(`${event.line}\n`);
  }

  async close(): Promise<void> {
    await Promise.all([...this.streams.values()].map((s) => new Promise((done) => s.end(done))));
    this.streams.clear();
  }
}

/** Services that have a log file, sorted. */
export function loggedServices(logDir: string): string[] {
  try {
    return readdirSync(logDir)
      .filter((f) => f.endsWith('.log'))
      .map((f) => f.slice(0, -4))
      .sort();
  } catch {
    return [];
  }
}

/** The last `count` lines of one service's log file. */
export function tailLogFile(logDir: string, service: string, count: number): string[] {
  try {
    const lines = readFileSync(fileOf(logDir, service), 'utf8').split('\n');
    lines.pop();
    return count > 0 ? lines.slice(-count) : [];
  } catch {
    return [];
  }
}

/**
 * Follows log files written by another process: polls their size and reads what was appended.
 * Starts at the current end of each file. The returned function stops following.
 */
export function followLogFiles(
  logDir: string,
  services: () => string[],
  onLine: (service: string, line: string) => void,
  intervalMs = 250,
): () => void {
  const offsets = new Map<string, number>();
  const partial = new Map<string, string>();
  const sizeOf = (service: string) => {
    try {
      return statSync(fileOf(logDir, service)).size;
    } catch {
      return 0;
    }
  };
  for (const service of services()) offsets.set(service, sizeOf(service));
  const poll = () => {
    for (const service of services()) {
      const from = offsets.get(service) ?? 0;
      const size = sizeOf(service);
      if (size < from) offsets.set(service, 0);
      if (size <= from) continue;
      const text = (partial.get(service) ?? '') + readRange(fileOf(logDir, service), from, size);
      offsets.set(service, size);
      const lines = text.split('\n');
      partial.set(service, lines.pop() ?? '');
      for (const line of lines) onLine(service, line);
    }
  };
  const timer = setInterval(poll, intervalMs);
  return () => clearInterval(timer);
}

function readRange(path: string, from: number, to: number): string {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(to - from);
    readSync(fd, buffer, 0, buffer.length, from);
    return buffer.toString('utf8');
  } finally {
    closeSync(fd);
  }
}
