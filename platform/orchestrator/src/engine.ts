/**
 * The contract every engine implements (embedded, native, docker). The CLI, the local daemon and
 * the desktop app only ever talk to an `Engine`; what runs underneath is the engine's business.
 *
 * Guarantees:
 * - `up` resolves only when every service is healthy (or rejects with an `OrchestratorError`
 *   that says what failed and how to fix it); a failed `up` leaves nothing running.
 * - `down` stops and removes everything `up` created (containers, networks, anonymous volumes,
 *   child processes); it is idempotent.
 * - `onEvent` reports a service that dies within a second of it dying.
 */

// The stack's status crosses process boundaries (daemon HTTP API → console, desktop app): its types
// live in @relaybox/protocol beside the other wire contracts.
import type { EngineName, FaultRecord, FaultSpec, ServiceStatus, StackStatus } from '@relaybox/protocol';

export type {
  EngineName,
  ServiceState,
  ServiceStatus,
  StackEndpoints,
  StackStatus,
} from '@relaybox/protocol';

export interface UpOptions {
  /** Gateway replicas (default 1 for embedded, 2 for native and docker). */
  gateways?: number;
  /** Port of the stack's origin (default 9000). */
  port?: number;
  /** Dev API key to fix (`RELAYBOX_DEV_API_KEY`); generated and kept in the data dir otherwise. */
  devApiKey?: string;
  /** Admin token of the inspector API; generated per stack otherwise. */
  adminToken?: string;
}

export interface UpResult {
  status: StackStatus;
  devApiKey: string;
  adminToken: string;
}

export type StackEvent =
  | { type: 'service'; status: ServiceStatus }
  | { type: 'progress'; step: string; detail?: string; done?: boolean }
  | { type: 'log'; service: string; stream: 'stdout' | 'stderr'; line: string; ts: number }
  /** A fault injected (`state: 'active'`) or ended (`healed`, `failed`). */
  | { type: 'fault'; fault: FaultRecord };

/** Fault injection on a running stack (`relaybox fault`, `/api/faults`); see faults/fault-controller.ts. */
export interface EngineFaults {
  /** Applies the fault; resolves with its record once it is in effect. */
  inject(spec: FaultSpec): Promise<FaultRecord>;
  /** Ends an active fault now; resolves with its final record. */
  heal(id: string): Promise<FaultRecord>;
  /** Active faults first, then the most recent ended ones. */
  list(): FaultRecord[];
}

export interface LogOptions {
  follow?: boolean;
  /** Last N lines before following (default 200). */
  tail?: number;
}

export interface Engine {
  readonly name: EngineName;
  up(options?: UpOptions): Promise<UpResult>;
  down(): Promise<void>;
  status(): Promise<StackStatus>;
  /** Changes the number of gateway replicas at runtime; resolves when the new ones are healthy. */
  scale(service: 'gateway', replicas: number): Promise<StackStatus>;
  startService(name: string): Promise<void>;
  stopService(name: string): Promise<void>;
  restartService(name: string): Promise<void>;
  /** Streams one service's log lines; the returned function stops following. */
  logs(
    name: string,
    options: LogOptions,
    onLine: (event: StackEvent & { type: 'log' }) => void,
  ): Promise<() => void>;
  onEvent(listener: (event: StackEvent) => void): () => void;
  readonly faults: EngineFaults;
}

export type OrchestratorErrorCode =
  | 'docker_unavailable'
  | 'port_in_use'
  | 'image_build_failed'
  | 'service_unhealthy'
  | 'service_not_found'
  | 'stack_not_running'
  | 'invalid_argument'
  | 'dependency_unavailable'
  /** The service exists but its status does not list the action (`ServiceStatus.actions`). */
  | 'action_not_supported'
  /** This engine cannot inject this kind of fault (the message names the engine). */
  | 'fault_unsupported'
  | 'fault_not_found';

/** Every failure an engine reports: a stable code plus a message that says what to do about it. */
export class OrchestratorError extends Error {
  override readonly name = 'OrchestratorError';
  constructor(
    readonly code: OrchestratorErrorCode,
    message: string,
    options?: { cause?: unknown; details?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.details = options?.details;
  }
  /** The failing build step's output, or an unhealthy service's last log lines. */
  readonly details: string | undefined;
}
