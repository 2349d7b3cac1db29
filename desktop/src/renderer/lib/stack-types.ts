// Shapes of the local daemon API (`/api/...`), as fixed in the DAEMON_API contract. Kept here, not
// imported from @relaybox/orchestrator, so the browser bundle never pulls in Node code.

export type ServiceState =
  | 'starting'
  | 'healthy'
  | 'unhealthy'
  | 'running'
  | 'stopped'
  | 'exited'
  | 'restarting';

export interface ServiceStatus {
  name: string;
  service: string;
  state: ServiceState;
  since: number;
  detail?: string;
}

export interface StackStatus {
  engine: 'embedded' | 'native' | 'docker';
  state: 'stopped' | 'starting' | 'running' | 'degraded' | 'stopping';
  services: ServiceStatus[];
  endpoints: { origin: string; websocket: string; rest: string; console: string; admin: string };
}

export interface StackConnection {
  origin: string;
  websocket: string;
  rest: string;
  console: string;
  admin: string;
  adminToken: string;
  devApiKey: string;
  engine: string;
}

export interface LogLine {
  service: string;
  stream: 'stdout' | 'stderr';
  line: string;
  ts: number;
}
