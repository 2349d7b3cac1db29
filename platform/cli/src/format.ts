import type { ServiceStatus, StackEndpoints } from '@relaybox/orchestrator';

/** What `up` prints once the stack is healthy. */
export function endpointsBanner(
  engine: string,
  endpoints: StackEndpoints,
  devApiKey: string,
  adminToken: string,
): string {
  return [
    '',
    `RelayBox is up (${engine} engine)`,
    `  Origin     ${endpoints.origin}`,
    `  WebSocket  ${endpoints.websocket}`,
    `  REST       ${endpoints.rest}`,
    `  Console    ${endpoints.console}`,
    `  Admin      ${endpoints.admin}  (Authorization: Bearer ${adminToken})`,
    `  Dev key    ${devApiKey}`,
    '',
    'Ctrl-C stops the stack; `relaybox down` stops it from another terminal.',
    '',
  ].join('\n');
}

/** One line per service: name, state, for how long, detail. */
export function servicesTable(services: ServiceStatus[], now = Date.now()): string {
  const width = Math.max(7, ...services.map((s) => s.name.length));
  return services
    .map((s) => {
      const age = formatAge(now - s.since);
      const detail = s.detail ? `  ${s.detail}` : '';
      return `  ${s.name.padEnd(width)}  ${s.state.padEnd(10)} ${age.padStart(6)}${detail}`;
    })
    .join('\n');
}

function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}

/** A state change worth a line while `up` runs in the foreground (crashes, restarts, recoveries). */
export function serviceLine(status: ServiceStatus): string {
  const detail = status.detail ? ` (${status.detail})` : '';
  return `[${new Date(status.since).toISOString().slice(11, 19)}] ${status.name} ${status.state}${detail}\n`;
}
