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

type ControlCommand = DisconnectCommand | SlowCommand;

export type DisconnectResult = AdminDisconnectResult;

/**
 * Carries out operator commands on the gateway that owns the connection: locally when it is this
 * one, else through the broker (at most once, like every broker message: a gateway cut off from
 * the broker misses the command, and the connection stays listed).
 */
export class AdminControl {
  private readonly subscription: ControlSubscription;

  constructor(
    private readonly broker: Broker,
    private readonly source: SnapshotSource,
    private readonly log: Logger,
  ) {
    this.subscription = new ControlSubscription(broker, log);
  }

  /** Subscribes to the control channel; call once the broker has started. Never rejects. */
  async start(): Promise<void> {
    this.broker.onMessage((message) => this.onMessage(message));
    await this.subscription.start();
  }

  stop(): void {
    this.subscription.stop();
  }

  async disconnect(command: Omit<DisconnectCommand, 'type'>): Promise<DisconnectResult> {
    const { nodeId, connectionId } = command;
    if (nodeId === this.source.nodeId) {
      const closed = this.closeLocal({ type: 'disconnect', ...command });
      return { connectionId, gateway: nodeId, local: true, closed };
    }
    const payload = JSON.stringify({ type: 'disconnect', ...command } satisfies DisconnectCommand);
    await this.broker.publish({ ...ADMIN_CONTROL_CHANNEL, payload });
    return { connectionId, gateway: nodeId, local: false, closed: false };
  }

  /** Slows the connection (or ends that with `readBytesPerSec: null`) on the gateway that owns it. */
  async slow(command: Omit<SlowCommand, 'type'>): Promise<AdminSlowResult> {
    const { nodeId, connectionId } = command;
    if (nodeId === this.source.nodeId) {
      const applied = this.slowLocal({ type: 'slow', ...command });
      return { connectionId, gateway: nodeId, local: true, applied };
    }
    const payload = JSON.stringify({ type: 'slow', ...command } satisfies SlowCommand);
    await this.broker.publish({ ...ADMIN_CONTROL_CHANNEL, payload });
    return { connectionId, gateway: nodeId, local: false, applied: false };
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
