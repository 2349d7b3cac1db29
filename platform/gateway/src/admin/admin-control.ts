import type { Broker, BrokerMessage } from '@relaybox/core';
import {
  type AdminDisconnectResult,
  type AdminSlowResult,
  CloseCode,
  ErrorCode,
  FaultSpecError,
  parseSlowClientRequest,
  RelayBoxError,
  type SlowClientRequest,
} from '@relaybox/protocol';
import type { Logger } from '../logger.js';
import { slowReaderOf } from '../slow-reader.js';
import {
  type ConnectionReport,
  type ReportCommand,
  type ReportReply,
  ReportRequests,
  type ReportRequestsOptions,
  type ReportResult,
} from './connection-report.js';
import type { SnapshotSource } from './node-snapshot.js';

/**
 * The broker channel that carries operator commands between gateways, and session takeover notices
 * (`session-takeover.ts`, addressed by instance id, which `AdminControl` ignores). App ids and room
 * names cannot contain `|`, so no client can join or publish on it, and the hub drops `|` rooms
 * before metrics and tracing. Every gateway holds a subscription on it: with the AMQP broker that
 * binds one shard of 64, whose room messages each gateway then also receives and ignores.
 */
export const ADMIN_CONTROL_CHANNEL = { appId: '$relaybox', room: 'admin|control' } as const;

/**
 * One subscription on the control channel. `start` never rejects: a failed subscription (the broker
 * dropped meanwhile) is retried every second until it holds or `stop`. The broker counts references,
 * so each user of the channel holds its own.
 */
export class ControlSubscription {
  private joined = false;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly broker: Broker,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    try {
      await this.broker.subscribe(ADMIN_CONTROL_CHANNEL.appId, ADMIN_CONTROL_CHANNEL.room);
      if (this.stopped) this.broker.unsubscribe(ADMIN_CONTROL_CHANNEL.appId, ADMIN_CONTROL_CHANNEL.room);
      else this.joined = true;
    } catch (error) {
      if (this.stopped) return;
      this.log.warn('control channel: cannot subscribe, retrying', { error: String(error) });
      this.retry = setTimeout(() => void this.start(), RETRY_MS);
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    if (this.joined) this.broker.unsubscribe(ADMIN_CONTROL_CHANNEL.appId, ADMIN_CONTROL_CHANNEL.room);
    this.joined = false;
  }
}

/** One command on the control channel; `nodeId` names the gateway that must carry it out. */
export interface DisconnectCommand {
  type: 'disconnect';
  nodeId: string;
  connectionId: string;
  reconnect: boolean;
  reason: string;
  /** Close as if the token expired now (4101 `token expired`): fault injection's `client.expire-token`. */
  expire?: boolean;
}

/**
 * Fault injection's `client.slow`: the connection reads `readBytesPerSec` for `durationMs`
 * (`readBytesPerSec: null` ends it now). See slow-reader.ts.
 */
export interface SlowCommand {
  type: 'slow';
  nodeId: string;
  connectionId: string;
  readBytesPerSec: number | null;
  durationMs: number;
}

type ControlCommand = DisconnectCommand | SlowCommand | ReportCommand | ReportReply;

export type DisconnectResult = AdminDisconnectResult;

/** What the control channel needs besides the broker. */
export interface AdminControlDeps {
  broker: Broker;
  source: SnapshotSource;
  /** This gateway's report of one of its connections (`connection-report.ts`). */
  report: (connectionId: string) => ConnectionReport | undefined;
  log: Logger;
  reports?: ReportRequestsOptions;
}

/**
 * Carries out operator commands on the gateway that owns the connection: locally when it is this
 * one, else through the broker (at most once, like every broker message: a gateway cut off from
 * the broker misses the command, and the connection stays listed). Questions (`report`) are
 * answered on the same channel, addressed to the gateway that asked, which waits a bounded time.
 */
export class AdminControl {
  private readonly broker: Broker;
  private readonly source: SnapshotSource;
  private readonly log: Logger;
  private readonly report: AdminControlDeps['report'];
  private readonly reports: ReportRequests;
  private readonly subscription: ControlSubscription;

  constructor(deps: AdminControlDeps) {
    this.broker = deps.broker;
    this.source = deps.source;
    this.log = deps.log;
    this.report = deps.report;
    this.reports = new ReportRequests(deps.source.nodeId, (command) => this.send(command), deps.reports);
    this.subscription = new ControlSubscription(deps.broker, deps.log);
  }

  /** Subscribes to the control channel; call once the broker has started. Never rejects. */
  async start(): Promise<void> {
    this.broker.onMessage((message) => this.onMessage(message));
    await this.subscription.start();
  }

  stop(): void {
    this.reports.stop();
    this.subscription.stop();
  }

  async disconnect(command: Omit<DisconnectCommand, 'type'>): Promise<DisconnectResult> {
    const { nodeId, connectionId } = command;
    if (nodeId === this.source.nodeId) {
      const closed = this.closeLocal({ type: 'disconnect', ...command });
      return { connectionId, gateway: nodeId, local: true, closed };
    }
    await this.send({ type: 'disconnect', ...command });
    return { connectionId, gateway: nodeId, local: false, closed: false };
  }

  /** Slows the connection (or ends that with `readBytesPerSec: null`) on the gateway that owns it. */
  async slow(command: Omit<SlowCommand, 'type'>): Promise<AdminSlowResult> {
    const { nodeId, connectionId } = command;
    if (nodeId === this.source.nodeId) {
      const applied = this.slowLocal({ type: 'slow', ...command });
      return { connectionId, gateway: nodeId, local: true, applied };
    }
    await this.send({ type: 'slow', ...command });
    return { connectionId, gateway: nodeId, local: false, applied: false };
  }

  /** The report of a connection from the gateway that holds it; settles within the reports' timeout. */
  async inspect(nodeId: string, connectionId: string): Promise<ReportResult> {
    if (nodeId !== this.source.nodeId) return this.reports.ask(nodeId, connectionId);
    const report = this.report(connectionId);
    if (report) return { report };
    return { error: { code: ErrorCode.NotFound, message: `the connection closed on gateway ${nodeId}` } };
  }

  private send(command: ControlCommand): Promise<void> {
    return this.broker.publish({ ...ADMIN_CONTROL_CHANNEL, payload: JSON.stringify(command) });
  }

  private answer(command: ReportCommand): void {
    const reply: ReportReply = {
      type: 'reported',
      nodeId: command.replyTo,
      from: this.source.nodeId,
      requestId: command.requestId,
      report: this.report(command.connectionId) ?? null,
    };
    this.send(reply).catch((error: unknown) =>
      this.log.warn('admin control: cannot answer a report', { error: String(error) }),
    );
  }

  private onMessage(message: BrokerMessage): void {
    if (message.appId !== ADMIN_CONTROL_CHANNEL.appId || message.room !== ADMIN_CONTROL_CHANNEL.room) return;
    let command: ControlCommand;
    try {
      command = JSON.parse(message.payload) as ControlCommand;
    } catch {
      this.log.warn('admin control: unreadable command', { payload: message.payload.slice(0, 200) });
      return;
    }
    // Takeover notices carry no nodeId (session-takeover.ts reads them).
    if (command.nodeId !== this.source.nodeId) return;
    if (command.type === 'disconnect') {
      const closed = this.closeLocal(command);
      this.log.info('admin control: disconnect', { connectionId: command.connectionId, closed });
    } else if (command.type === 'slow') this.slowLocal(command);
    else if (command.type === 'report') this.answer(command);
    else if (command.type === 'reported') this.reports.onReply(command);
  }

  private slowLocal(command: SlowCommand): boolean {
    let applied = false;
    for (const session of this.source.sessions()) {
      if (session.connectionId !== command.connectionId) continue;
      const reader = slowReaderOf(session.transport);
      if (!reader || reader.closed) break;
      if (command.readBytesPerSec === null) reader.recover();
      else reader.slow(command.readBytesPerSec, command.durationMs);
      applied = true;
      break;
    }
    const { connectionId, readBytesPerSec } = command;
    this.log.info('admin control: slow', { connectionId, readBytesPerSec, applied });
    return applied;
  }

  private closeLocal(command: DisconnectCommand): boolean {
    for (const session of this.source.sessions()) {
      if (session.connectionId !== command.connectionId) continue;
      if (command.expire) {
        session.transport.close(CloseCode.TokenExpired, 'token expired');
        return true;
      }
      const code = command.reconnect ? CloseCode.AdminDisconnect : CloseCode.AdminKick;
      session.transport.close(code, command.reason);
      return true;
    }
    return false;
  }
}

const RETRY_MS = 1000;

/** A WebSocket close reason is at most 123 bytes of UTF-8. */
export const MAX_DISCONNECT_REASON_BYTES = 123;

/** Validates `POST /v1/admin/connections/:id/disconnect`'s optional body `{ reconnect?, reason? }`. */
export function parseDisconnect(body: Buffer): { reconnect: boolean; reason: string } {
  if (body.length === 0) return { reconnect: true, reason: 'disconnected by an operator' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new RelayBoxError(ErrorCode.InvalidRequest, 'body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new RelayBoxError(ErrorCode.InvalidRequest, 'body must be a JSON object');
  const { reconnect = true, reason = 'disconnected by an operator' } = parsed as Record<string, unknown>;
  if (typeof reconnect !== 'boolean')
    throw new RelayBoxError(ErrorCode.InvalidRequest, '"reconnect" must be a boolean');
  if (typeof reason !== 'string' || Buffer.byteLength(reason) > MAX_DISCONNECT_REASON_BYTES)
    throw new RelayBoxError(
      ErrorCode.InvalidRequest,
      `"reason" must be a string of at most ${MAX_DISCONNECT_REASON_BYTES} bytes`,
    );
  return { reconnect, reason };
}

/** Validates `POST /v1/admin/connections/:id/slow`'s body `{ readBytesPerSec?, durationMs? }`. */
export function parseSlowBody(body: Buffer): SlowClientRequest {
  let parsed: unknown = {};
  if (body.length > 0) {
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw new RelayBoxError(ErrorCode.InvalidRequest, 'body is not valid JSON');
    }
  }
  try {
    return parseSlowClientRequest(parsed);
  } catch (error) {
    if (error instanceof FaultSpecError) throw new RelayBoxError(ErrorCode.InvalidRequest, error.message);
    throw error;
  }
}
