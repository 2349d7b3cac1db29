/**
 * The status of a local stack (`relaybox up`, the desktop app) as the local daemon's HTTP API
 * (`/api/stack`) and its event stream carry it: produced by the engines in
 * `@relaybox/orchestrator`, read by the live console and the desktop app.
 */

export type EngineName = 'embedded' | 'native' | 'docker';

export type ServiceState =
  | 'starting'
  | 'healthy'
  | 'unhealthy'
  | 'running'
  | 'stopped'
  | 'exited'
  | 'restarting';

/** What the console and the daemon may ask an engine to do to one service. */
export const SERVICE_ACTIONS = ['start', 'stop', 'restart'] as const;
export type ServiceAction = (typeof SERVICE_ACTIONS)[number];

/** One running unit: a container, a child process or an in-process component. */
export interface ServiceStatus {
  /** Unique within the stack: `redis`, `rabbitmq`, `gateway-1`, `gateway-2`, `worker`, `nginx`, `proxy`. */
  name: string;
  /** The service of the stack definition it belongs to: `gateway` for `gateway-1`. */
  service: string;
  state: ServiceState;
  /** Epoch ms of the last state change. */
  since: number;
  /** Why it is in this state (exit code, health check output), when there is something to say. */
  detail?: string;
  /**
   * The actions the engine can perform on this service now, in `SERVICE_ACTIONS` order; the
   * console offers exactly these and the daemon refuses the others. Empty for a component the
   * engine does not control on its own (the embedded engine's in-process broker, the native
   * engine's front proxy).
   */
  actions: ServiceAction[];
}

export interface StackEndpoints {
  /** The one origin of the stack, `http://localhost:9000` by default. */
  origin: string;
  websocket: string;
  rest: string;
  console: string;
  admin: string;
}

export interface StackStatus {
  engine: EngineName;
  state: 'stopped' | 'starting' | 'running' | 'degraded' | 'stopping';
  services: ServiceStatus[];
  endpoints: StackEndpoints;
}
