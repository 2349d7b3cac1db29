/** One server-sent event: `event` defaults to `message`, `data` lines joined with `\n`. */
export interface SseEvent {
  event: string;
  data: string;
}

/**
 * Incremental `text/event-stream` parser (the WHATWG rules this contract needs): lines end with
 * LF, CRLF or CR; `:` lines are comments (keep-alive pings); a blank line dispatches the event;
 * `id` and `retry` are ignored. Bytes of a line split across chunks are kept until the line ends,
 * bounded by `maxLineBytes` so a peer that never ends a line cannot grow memory.
 */
export class SseParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];
  private pendingCr = false;

  constructor(
    private readonly onEvent: (event: SseEvent) => void,
    private readonly maxLineBytes = 64 * 1024,
  ) {}

  /** Feeds decoded text; dispatches every event it completes. */
  push(chunk: string): void {
    let text = chunk;
    // A CR at the end of the previous chunk may be the first half of CRLF.
    if (this.pendingCr && text.startsWith('\n')) text = text.slice(1);
    this.pendingCr = false;
    this.buffer += text;
    let start = 0;
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer.slice(start));
      if (!match) break;
      const end = start + match.index;
      this.line(this.buffer.slice(start, end));
      start = end + match[0].length;
      if (match[0] === '\r' && start === this.buffer.length) this.pendingCr = true;
    }
    this.buffer = this.buffer.slice(start);
    if (this.buffer.length > this.maxLineBytes) {
      throw new Error(`event-stream line longer than ${this.maxLineBytes} bytes`);
    }
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length > 0 || this.event !== '') {
        this.onEvent({ event: this.event || 'message', data: this.data.join('\n') });
      }
      this.event = '';
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
  }
}
