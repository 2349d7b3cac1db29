import { randomUUID } from 'node:crypto';
import {
  type AdminConnectionFrames,
  type AdminFramesError,
  type AdminSubscriptionState,
  ErrorCode,
  RelayBoxError,
} from '@relaybox/protocol';
import type { FrameRecorder } from './frame-recorder.js';
import type { SnapshotSource } from './node-snapshot.js';

/** How long the gateway answering waits for the connection's own gateway to report. */
export const REPORT_TIMEOUT_MS = 2000;
/** Questions to other gateways pending at once on one gateway at most; more answer `rate_limited`. */
export const MAX_PENDING_REPORTS = 100;

/** What a connection's own gateway reports about it: its subscription states and recorded frames. */
export interface ConnectionReport {
  frames: AdminConnectionFrames;
  /** By joined room. */
  states: Record<string, { messages: AdminSubscriptionState; presence: AdminSubscriptionState }>;
}

export type ReportResult = { report: ConnectionReport } | { error: AdminFramesError };

/** The question on the admin control channel; `nodeId` names the gateway holding the connection. */
export interface ReportCommand {
  type: 'report';
  nodeId: string;
  connectionId: string;
  requestId: string;
  /** The gateway asking: the reply is addressed to it. */
  replyTo: string;
}

/** The answer, addressed (`nodeId`) to the gateway that asked; `report` null: no such connection here. */
export interface ReportReply {
  type: 'reported';
  nodeId: string;
  /** The gateway answering. */
  from: string;
  requestId: string;
  report: ConnectionReport | null;
}

/**
 * The report of a connection this gateway holds: starts or extends its watch (see `FrameRecorder`),
 * so frames are recorded only while someone reads it, from whichever gateway. Undefined when this
 * gateway does not hold the connection (it closed since the snapshot listed it).
 */
export function localReport(
  source: Pick<SnapshotSource, 'nodeId' | 'sessions'>,
  recorder: FrameRecorder,
  connectionId: string,
): ConnectionReport | undefined {
  for (const session of source.sessions()) {
    if (session.connectionId !== connectionId) continue;
    const frames = recorder.watch(session, source.nodeId);
    const states: ConnectionReport['states'] = {};
    for (const [room, state] of session.joinedRooms)
      states[room] = { messages: state.messages, presence: state.presence };
    return { frames, states };
  }
  return undefined;
}

interface Pending {
  resolve: (result: ReportResult) => void;
  timer: NodeJS.Timeout;
}

export interface ReportRequestsOptions {
  timeoutMs?: number;
  maxPending?: number;
}

/**
 * Questions this gateway asked other gateways about their connections, by request id. The control
 * channel is at most once and the owner may be gone, so every question settles: with the reply, or
 * with an error after `timeoutMs`; never more than `maxPending` wait at once.
 */
export class ReportRequests {
  private readonly pending = new Map<string, Pending>();
  private readonly timeoutMs: number;
  private readonly maxPending: number;

  constructor(
    private readonly nodeId: string,
    /** Publishes a question on the control channel (rejects when the broker cannot take it). */
    private readonly send: (command: ReportCommand) => Promise<void>,
    options: ReportRequestsOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? REPORT_TIMEOUT_MS;
    this.maxPending = options.maxPending ?? MAX_PENDING_REPORTS;
  }

  get size(): number {
    return this.pending.size;
  }

  async ask(nodeId: string, connectionId: string): Promise<ReportResult> {
    if (this.pending.size >= this.maxPending)
      return failure(ErrorCode.RateLimited, `${this.maxPending} questions to other gateways already pending`);
    const requestId = randomUUID();
    const answered = new Promise<ReportResult>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        resolve(failure(ErrorCode.Timeout, `gateway ${nodeId} did not answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(requestId, { resolve, timer });
    });
    try {
      await this.send({ type: 'report', nodeId, connectionId, requestId, replyTo: this.nodeId });
    } catch (error) {
      const code = error instanceof RelayBoxError ? error.code : ErrorCode.BrokerUnavailable;
      this.settle(requestId, failure(code, `cannot ask gateway ${nodeId}: ${String(error)}`));
    }
    return answered;
  }

  /** Settles the question a reply answers; a late or unknown reply is ignored. */
  onReply(reply: ReportReply): void {
    const result = reply.report
      ? { report: reply.report }
      : failure(ErrorCode.NotFound, `the connection closed on gateway ${reply.from}`);
    this.settle(reply.requestId, result);
  }

  /** Settles every pending question (the gateway is stopping). */
  stop(): void {
    for (const id of [...this.pending.keys()])
      this.settle(id, failure(ErrorCode.ServerShuttingDown, 'the gateway is shutting down'));
  }

  private settle(requestId: string, result: ReportResult): void {
    const pending = this.pending.get(requestId);
    if (!pending) return;
    this.pending.delete(requestId);
    clearTimeout(pending.timer);
    pending.resolve(result);
  }
}

function failure(code: ErrorCode, message: string): ReportResult {
  return { error: { code, message } };
}
