import type { StackStatus } from '@relaybox/orchestrator';

/** What the tray shows: a tooltip and the menu's status line and enabled items. */
export interface TrayView {
  tooltip: string;
  statusLabel: string;
  canOpenConsole: boolean;
  canStopStack: boolean;
}

export function trayView(status: StackStatus | undefined, error?: string): TrayView {
  if (error) {
    return {
      tooltip: `RelayBox: ${error}`,
      statusLabel: `Stack failed: ${error}`,
      canOpenConsole: false,
      canStopStack: false,
    };
  }
  if (!status) {
    return {
      tooltip: 'RelayBox: starting…',
      statusLabel: 'Starting…',
      canOpenConsole: false,
      canStopStack: false,
    };
  }
  const healthy = status.services.filter((s) => s.state === 'healthy' || s.state === 'running').length;
  const counts = `${healthy}/${status.services.length} services up`;
  const live = status.state === 'running' || status.state === 'degraded' || status.state === 'starting';
  return {
    tooltip: `RelayBox (${status.engine}): ${status.state}, ${counts}`,
    statusLabel: `Stack ${status.state} — ${counts}`,
    canOpenConsole: live,
    canStopStack: live,
  };
}
