/**
 * The one structured log format of every RelayBox process (gateway, worker, CLI daemon, control
 * plane): pino JSON lines with an ISO `time`, a `level` label and the text in `msg`, plus
 * `service` and, per connection or request, `connectionId` / `reqId`. Plain pino options (no pino
 * import here): the gateway's logger and the control plane's Fastify logger both spread them.
 */
export const LOG_FORMAT = {
  messageKey: 'msg',
  timestamp: (): string => `,"time":"${new Date().toISOString()}"`,
  formatters: {
    level: (label: string): { level: string } => ({ level: label }),
  },
} as const;
