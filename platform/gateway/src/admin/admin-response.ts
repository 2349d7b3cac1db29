import type { HttpResponse } from 'uWebSockets.js';
import { ResponseGuard, statusLine } from '../uws/http.js';

/** A `ResponseGuard` whose answers carry the CORS header of an allowed (local) origin. */
export class AdminResponse extends ResponseGuard {
  constructor(
    res: HttpResponse,
    private readonly allowOrigin: string | undefined,
    head = false,
  ) {
    super(res, { head });
  }

  override json(status: number, body: unknown): void {
    if (this.aborted) return;
    const text = JSON.stringify(body);
    this.res.cork(() => {
      this.res.writeStatus(statusLine(status));
      this.cors();
      const headers = this.res
        .writeHeader('content-type', 'application/json')
        .writeHeader('cache-control', 'no-store');
      if (this.options.head) headers.endWithoutBody();
      else headers.end(text);
    });
  }

  /** Writes the CORS headers (call inside a cork, after the status). */
  cors(): void {
    if (!this.allowOrigin) return;
    this.res.writeHeader('access-control-allow-origin', this.allowOrigin).writeHeader('vary', 'Origin');
  }
}
