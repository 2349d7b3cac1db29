import type { StackEvent } from '../engine.js';

export type LogEvent = StackEvent & { type: 'log' };

/** Lines kept per service for `logs` without `follow` (older lines are dropped first). */
export const LOG_LINES_KEPT = 2000;

/**
 * The last N log lines of one service plus live followers. A chunk of process output is split into
 * lines; a partial last line waits for the rest of it (or for `flush`).
 */
export class LogBuffer {
  private readonly lines: LogEvent[] = [];
  private readonly followers = new Set<(event: LogEvent) => void>();
  private readonly partial = { stdout: '', stderr: '' };

  constructor(
    readonly service: string,
    private readonly capacity = LOG_LINES_KEPT,
  ) {}

  /** Appends raw output; complete lines go to the buffer and to every follower. */
  write(stream: 'stdout' | 'stderr', chunk: string): void {
    const text = this.partial[stream] + chunk;
    const parts = text.split('\n');
    this.partial[stream] = parts.pop() ?? '';
    for (const line of parts) this.push(stream, line.replace(/\r$/, ''));
  }

  /** Emits what is left of a partial line (the process exited mid-line). */
  flush(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream]) this.push(stream, this.partial[stream]);
      this.partial[stream] = '';
    }
  }

  push(stream: 'stdout' | 'stderr', line: string): void {
    const event: LogEvent = { type: 'log', service: this.service, stream, line, ts: Date.now() };
    this.lines.push(event);
    if (this.lines.length > this.capacity) this.lines.splice(0, this.lines.length - this.capacity);
    for (const follower of this.followers) follower(event);
  }

  tail(count: number): LogEvent[] {
    return count <= 0 ? [] : this.lines.slice(-count);
  }

  /** Follows new lines; the returned function stops following. */
  follow(listener: (event: LogEvent) => void): () => void {
    this.followers.add(listener);
    return () => this.followers.delete(listener);
  }

  /** The last lines as text, for error details. */
  text(count = 20): string {
    return this.tail(count)
      .map((e) => e.line)
      .join('\n');
  }
}
