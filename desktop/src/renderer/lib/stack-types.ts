// Shapes of the local daemon API (`/api/...`), as fixed in the DAEMON_API contract. The stack's
// status comes from @relaybox/protocol: the console never imports the orchestrator (a lint rule).

export type { ServiceAction, ServiceState, ServiceStatus, StackStatus } from '@relaybox/protocol';

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
