import { type ClientFrame, ErrorCode, type Limits, RelayBoxError } from '@relaybox/protocol';
import { TokenBucket } from './rate-limit.js';
import { requestCost } from './request-cost.js';

export interface FrameIntakeDeps {
  limits: Limits;
  /** Starts a frame (not awaited: frames run concurrently unless held). */
  run(frame: ClientFrame): void;
  /** Answers a frame refused for the budget. */
  refuse(ref: number, error: RelayBoxError): void;
  /** Closes the connection: it ignored `rate_limited` for `maxConsecutiveBadFrames` frames in a row. */
  closeForBudget(): void;
}

/**
 * The way in for a connection's valid frames: each draws its cost from the request budget
 * (`requestCost`; refused with `rate_limited` past it), then runs, or waits while the connection
 * is held (`holdUntil`). Held frames are bounded by the budget and the publish bucket.
 */
export class FrameIntake {
  private readonly budget: TokenBucket;
  /** Frames refused in a row because the budget was spent (a client ignoring `rate_limited`). */
  private overBudget = 0;
  /** Frames waiting for a hold to end, in arrival order. */
  private held: ClientFrame[] | undefined;

  constructor(private readonly deps: FrameIntakeDeps) {
    this.budget = new TokenBucket(deps.limits.requestCostPerSecond, deps.limits.requestCostBurst);
  }

  accept(frame: ClientFrame): void {
    if (!this.budget.takeCost(requestCost(frame))) {
      this.refuseOverBudget(frame.ref);
      return;
    }
    this.overBudget = 0;
    if (this.held) this.held.push(frame);
    else this.deps.run(frame);
  }

  /**
   * Frames that arrive until `point` settles wait, then run in arrival order: a publish sent after
   * a subscribe is stored only once the subscribe's starting seq is known, so it is above it.
   */
  holdUntil(point: Promise<unknown>): void {
    this.held = [];
    const release = () => {
      const frames = this.held ?? [];
      this.held = undefined;
      for (let i = 0; i < frames.length; i++) {
        // A held subscribe holds the rest again.
        if (this.held) {
          (this.held as ClientFrame[]).push(...frames.slice(i));
          return;
        }
        this.deps.run(frames[i] as ClientFrame);
      }
    };
    point.then(release, release);
  }

  /** Answering a flood frame by frame still costs: past `maxConsecutiveBadFrames` refusals, the connection goes. */
  private refuseOverBudget(ref: number): void {
    const { requestCostPerSecond, maxConsecutiveBadFrames } = this.deps.limits;
    if (++this.overBudget > maxConsecutiveBadFrames) {
      this.deps.closeForBudget();
      return;
    }
    this.deps.refuse(
      ref,
      new RelayBoxError(ErrorCode.RateLimited, `request budget of ${requestCostPerSecond}/s spent`),
    );
  }
}
