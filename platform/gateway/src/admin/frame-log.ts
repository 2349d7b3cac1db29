import type { AdminFrame } from '@relaybox/protocol';
import { describeFrame } from './frame-preview.js';

/** Frames kept per direction and connection at most. */
export const FRAME_LOG_CAPACITY = 50;

/**
 * The last frames of one watched connection, each way: two bounded rings of redacted previews.
 * Exists only while the inspector watches the connection (see `FrameRecorder`).
 */
export class FrameLog {
  readonly in: AdminFrame[] = [];
  readonly out: AdminFrame[] = [];
  private readonly counted = { in: 0, out: 0 };

  constructor(
    readonly since: number,
    readonly capacity = FRAME_LOG_CAPACITY,
    /** Called after each request of the connection succeeded (its subscriptions may have changed). */
    readonly handled: () => void = () => {},
  ) {}

  record(dir: AdminFrame['dir'], text: string): void {
    const ring = dir === 'in' ? this.in : this.out;
    ring.push({ ...describeFrame(dir, text, Date.now()), n: ++this.counted[dir] });
    if (ring.length > this.capacity) ring.shift();
  }
}
