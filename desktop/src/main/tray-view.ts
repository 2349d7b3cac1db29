import type { StackStatus } from '@relaybox/orchestrator';

/** What the tray shows: a tooltip and the menu's status line and enabled items. */
export interface TrayView {
  tooltip: string;
  statusLabel: string;
  canOpenConsole: boolean;
  canStopStack: boolean;
  /** "Restart stack" (respawns the stack process; also starts a stopped or failed one). */
  canRestart: boolean;
}

/** Where the app's stack process is: launching, attached (with the daemon's status), stopped or failed. */
export type TrayState =
  | { phase: 'starting' }
  | { phase: 'running'; status: StackStatus }
  | { phase: 'stopped' }
  | { phase: 'failed'; error: string };

export function trayView(state: TrayState): TrayView {
  switch (state.phase) {
    case 'failed':
      return {
        tooltip: `RelayBox: ${state.error}`,
        statusLabel: `Stack failed: ${state.error}`,
        canOpenConsole: false,
        canStopStack: false,
        canRestart: true,
      };
    case 'starting':
      return {
        tooltip: 'RelayBox: starting…',
        statusLabel: 'Starting…',
        canOpenConsole: false,
        canStopStack: false,
        canRestart: false,
      };
    case 'stopped':
      return {
        tooltip: 'RelayBox: stack stopped',
        statusLabel: 'Stack stopped',
        canOpenConsole: false,
        canStopStack: false,
        canRestart: true,
      };
    case 'running':
      return runningView(state.status);
  }
}

function runningView(status: StackStatus): TrayView {
  const healthy = status.services.filter((s) => s.state === 'healthy' || s.state === 'running').length;
  const counts = `${healthy}/${status.services.length} services up`;
  const live = status.state === 'running' || status.state === 'degraded' || status.state === 'starting';
  return {
    tooltip: `RelayBox (${status.engine}): ${status.state}, ${counts}`,
    statusLabel: `Stack ${status.state} — ${counts}`,
    canOpenConsole: live,
    // The stack process runs (its daemon answered), whatever the services' state.
    canStopStack: true,
    canRestart: true,
  };
}
