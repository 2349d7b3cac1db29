import type {
  DaemonOptions,
  Engine,
  EngineName,
  RunningDaemon,
  StackStatus,
  UpOptions,
} from '@relaybox/orchestrator';
import { type EngineChoice, IpcError, type IpcHandlers } from '../shared/ipc.js';
import type { SettingsStore } from './settings-store.js';
import { type TrayView, trayView } from './tray-view.js';
import { isAllowedNavigation } from './window-security.js';

export type QuitChoice = 'stop' | 'keep' | 'cancel';

/** The Electron side effects the controller asks for (BrowserWindow, Tray, dialog in main.ts). */
export interface ShellUi {
  showConsole(url: string): void;
  updateTray(view: TrayView): void;
  /** Asks before quitting while the stack runs; `keep` is offered only when the stack can outlive the app. */
  confirmQuit(engine: EngineName, canKeepRunning: boolean): Promise<QuitChoice>;
  showError(title: string, message: string): void;
}

export interface AppControllerDeps {
  createEngine(choice: EngineChoice): Engine | Promise<Engine>;
  startDaemon(options: DaemonOptions): Promise<RunningDaemon>;
  settings: SettingsStore;
  ui: ShellUi;
  appInfo: { version: string; platform: string };
  /** How the stack is started (default: the engine's defaults, origin http://localhost:9000). */
  upOptions?: UpOptions;
}

/**
 * Everything the desktop app does, without Electron: starts the stack with the engine the
 * settings name, starts the daemon over it, opens the console, keeps the tray current, answers
 * IPC and, on quit, asks before stopping the stack it started.
 */
export class AppController {
  private engine: Engine | undefined;
  private daemon: RunningDaemon | undefined;
  private status: StackStatus | undefined;
  private choice: EngineChoice = 'embedded';
  private startedStack = false;
  private offEvents: (() => void) | undefined;

  constructor(private readonly deps: AppControllerDeps) {}

  async start(): Promise<void> {
    const { ui } = this.deps;
    this.choice = (await this.deps.settings.read()).engine;
    ui.updateTray(trayView(undefined));
    try {
      const engine = await this.deps.createEngine(this.choice);
      this.engine = engine;
      this.offEvents = engine.onEvent((event) => {
        if (event.type === 'service') void this.refresh();
      });
      const result = await engine.up(this.deps.upOptions);
      this.startedStack = true;
      this.status = result.status;
      // The stack's origin is added to the daemon's CORS list from its status.
      this.daemon = await this.deps.startDaemon({ engine, credentials: result, consoleOrigins: [] });
      ui.updateTray(trayView(this.status));
      this.openConsole();
    } catch (error) {
      ui.updateTray(trayView(undefined, messageOf(error)));
      ui.showError('RelayBox could not start the stack', messageOf(error));
    }
  }

  /** Origin of the console the window may show; undefined until the stack is up. */
  get consoleOrigin(): string | undefined {
    return this.status?.endpoints.origin;
  }

  get daemonUrl(): string | undefined {
    return this.daemon?.url;
  }

  consoleUrl(): string | undefined {
    const url = this.status?.endpoints.console;
    return url === undefined ? undefined : url.endsWith('/') ? url : `${url}/`;
  }

  openConsole(): void {
    const url = this.consoleUrl();
    if (url) this.deps.ui.showConsole(url);
  }

  /** IPC is answered only for frames of the console origin. */
  isTrustedUrl(url: string): boolean {
    const origin = this.consoleOrigin;
    return origin !== undefined && isAllowedNavigation(url, origin);
  }

  handlers(): IpcHandlers {
    return {
      'console:connection': () => {
        if (!this.daemon) throw new IpcError('stack_not_running', 'the stack and its daemon are not running');
        return { daemonUrl: this.daemon.url, secret: this.daemon.secret };
      },
      'app:info': () => ({ ...this.deps.appInfo, engine: this.choice }),
      'settings:get': () => this.deps.settings.read(),
      'settings:set-engine': async (engine) => {
        const settings = { ...(await this.deps.settings.read()), engine };
        await this.deps.settings.write(settings);
        return settings;
      },
    };
  }

  async stopStack(): Promise<void> {
    await this.engine?.down();
    await this.refresh();
  }

  /** Called on quit; resolves false when the user cancelled (the app keeps running). */
  async requestQuit(): Promise<boolean> {
    const running = this.status !== undefined && this.status.state !== 'stopped';
    let stop = false;
    if (this.startedStack && running && this.engine) {
      // An embedded stack lives in this process: it cannot be kept running after quit.
      const choice = await this.deps.ui.confirmQuit(this.engine.name, this.engine.name !== 'embedded');
      if (choice === 'cancel') return false;
      stop = choice === 'stop';
    }
    this.offEvents?.();
    await this.daemon?.close();
    this.daemon = undefined;
    if (stop) await this.engine?.down();
    return true;
  }

  private async refresh(): Promise<void> {
    if (!this.engine) return;
    try {
      this.status = await this.engine.status();
      this.deps.ui.updateTray(trayView(this.status));
    } catch (error) {
      this.deps.ui.updateTray(trayView(undefined, messageOf(error)));
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
