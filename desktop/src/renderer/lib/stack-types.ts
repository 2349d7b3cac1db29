// Shapes of the local daemon API (`/api/...`), as fixed in the DAEMON_API contract. The engine's types
// are imported as types only, so the browser bundle never pulls in the orchestrator's Node code.

export type { ServiceState, ServiceStatus, StackStatus } from '@relaybox/orchestrator';

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
