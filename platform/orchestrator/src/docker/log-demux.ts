/**
 * Docker multiplexes a non-TTY container's stdout and stderr into one stream of frames: an 8-byte
 * header (byte 0: 1 = stdout, 2 = stderr; bytes 4-7: payload length, big endian) then the payload.
 * `LogDemuxer` takes chunks cut anywhere and emits whole lines per stream.
 */
export type LogStreamName = 'stdout' | 'stderr';

export class LogDemuxer {
  private pending: Buffer = Buffer.alloc(0);
  private readonly partial: Record<LogStreamName, string> = { stdout: '', stderr: '' };

  constructor(private readonly onLine: (stream: LogStreamName, line: string) => void) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (this.pending.length >= 8) {
      const length = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + length) break;
      const stream: LogStreamName = this.pending[0] === 2 ? 'stderr' : 'stdout';
      this.text(stream, this.pending.subarray(8, 8 + length).toString('utf8'));
      this.pending = this.pending.subarray(8 + length);
    }
  }

  /** Emits what is left without a trailing newline. */
  end(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream]) this.onLine(stream, this.partial[stream]);
      this.partial[stream] = '';
    }
  }

  private text(stream: LogStreamName, text: string): void {
    const lines = (this.partial[stream] + text).split('\n');
    this.partial[stream] = lines.pop() ?? '';
    for (const line of lines) this.onLine(stream, line.replace(/\r$/, ''));
  }
}

/** Demultiplexes a whole buffer (the answer of a non-following logs call) into lines. */
export function demuxLines(buffer: Buffer): { stream: LogStreamName; line: string }[] {
  const lines: { stream: LogStreamName; line: string }[] = [];
  const demuxer = new LogDemuxer((stream, line) => lines.push({ stream, line }));
  demuxer.push(buffer);
  demuxer.end();
  return lines;
}
