import type { StackStatus } from '@relaybox/orchestrator';
import { type EngineChoice, type EngineSetting, IpcError, type IpcHandlers } from '../shared/ipc.js';
import type { EngineDecision } from './engine-choice.js';
import { NodeRuntimeError } from './node-runtime.js';
import type { SettingsStore } from './settings-store.js';
import type { StackLauncher } from './stack-launcher.js';
import { type RunningStack, type StackExit, StackProcessError } from './stack-process.js';
import { type TrayState, type TrayView, trayView } from './tray-view.js';
import { isAllowedNavigation } from './window-security.js';

export type QuitChoice = 'stop' | 'cancel';

/** The Electron side effects the controller asks for (BrowserWindow, Tray, dialog in main.ts). */
export interface ShellUi {
  showConsole(url: string): void;
  updateTray(view: TrayView): void;
  /** Asks before quitting while the stack process the app started runs. */
  confirmQuit(engine: EngineChoice): Promise<QuitChoice>;
  showError(title: string, message: string): void;
  /** The stack failed to start or its process died: the window shows why, with its last output lines. */
  showStackFailure(message: string, lastLines: string[]): void;
}

export interface AppControllerDeps {
  /** Starts the stack on an engine: docker in this process, embedded and native in a `relaybox up` child. */
  launchStack: StackLauncher;
  /** The engine for the user's setting, and why (`auto`: docker when a Docker engine answers, else embedded). */
  chooseEngine: (setting: EngineSetting) => Promise<EngineDecision>;
  settings: SettingsStore;
  ui: ShellUi;
  appInfo: { version: string; platform: string };
  /** How often the tray re-reads the stack's status from the daemon (default 5 s). */
  statusIntervalMs?: number;
}

/**
 * Everything the desktop app does, without Electron: picks the engine (settings, else docker when
 * reachable, else embedded), runs the stack (docker: in this process; embedded and native: a
 * `relaybox up` child process), attaches to the daemon it announces, opens the console, keeps
 * the tray current, answers IPC, shows a crash of the child, restarts it on request and, on quit,
 * asks, then stops the child.
 */
export class AppController {
  private stack: RunningStack | undefined;
  private status: StackStatus | undefined;
  private choice: EngineChoice = 'embedded';
  private reason = 'not started yet';
  private launching: AbortController | undefined;
  private starting: Promise<void> | undefined;
  private poll: NodeJS.Timeout | undefined;

  constructor(private readonly deps: AppControllerDeps) {}

  /** Starts the stack process unless one runs or starts; resolves once it is attached or failed. */
  start(): Promise<void> {
    if (this.stack) return Promise.resolve();
    this.starting ??= this.launch().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async launch(): Promise<void> {
    const { ui } = this.deps;
    // Set before the first await: a quit from now on asks and cancels this launch.
    const abort = new AbortController();
    this.launching = abort;
    this.show({ phase: 'starting' });
    try {
      const settings = await this.deps.settings.read();
      const decision = await this.deps.chooseEngine(settings.engine);
      this.choice = decision.engine;
      this.reason = decision.reason;
      const stack = await this.deps.launchStack(this.choice, settings, abort.signal);
      this.stack = stack;
      stack.onExit((exit) => this.onExit(stack, exit));
      this.status = await stack.status().catch(() => undefined);
      this.poll = setInterval(() => void this.refresh(), this.deps.statusIntervalMs ?? 5000);
      this.poll.unref();
      this.show(this.status ? { phase: 'running', status: this.status } : { phase: 'starting' });
      this.openConsole();
    } catch (error) {
      if (abort.signal.aborted) return;
      this.show({ phase: 'failed', error: messageOf(error) });
      if (error instanceof NodeRuntimeError) ui.showError('RelayBox needs Node.js', error.message);
      else if (error instanceof StackProcessError) ui.showStackFailure(error.message, error.lastLines);
      else ui.showError('RelayBox could not start the stack', messageOf(error));
    } finally {
      this.launching = undefined;
    }
  }

  /** Origin of the console the window may show; undefined until the app is attached to a stack. */
  get consoleOrigin(): string | undefined {
    return this.stack?.connection.origin;
  }

  get daemonUrl(): string | undefined {
    return this.stack?.daemon.url;
  }

  /** The stack process's pid (undefined when none runs). */
  get stackPid(): number | undefined {
    return this.stack?.pid;
  }

  consoleUrl(): string | undefined {
    const url = this.stack?.connection.console;
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
        if (!this.stack) throw new IpcError('stack_not_running', 'the stack and its daemon are not running');
        return { daemonUrl: this.stack.daemon.url, secret: this.stack.daemon.secret };
      },
      'app:info': () => ({ ...this.deps.appInfo, engine: this.choice, engineReason: this.reason }),
      'settings:get': async () => ({ engine: (await this.deps.settings.read()).engine }),
      'settings:set-engine': async (engine) => {
        await this.deps.settings.write({ ...(await this.deps.settings.read()), engine });
        return { engine };
      },
    };
  }

  /** Tray "Stop stack": stops the stack process (and with it the stack and its daemon). */
  async stopStack(): Promise<void> {
    await this.stopProcess();
    this.show({ phase: 'stopped' });
  }

  /** Tray "Restart stack": stops the stack process if one runs and spawns a new one (settings re-read). */
  async restartStack(): Promise<void> {
    await this.stopProcess();
    await this.start();
  }

  /** Called on quit; resolves false when the user cancelled (the app keeps running). */
  async requestQuit(): Promise<boolean> {
    if (this.stack || this.launching) {
      if ((await this.deps.ui.confirmQuit(this.choice)) === 'cancel') return false;
    }
    await this.stopProcess();
    return true;
  }

  /** Cancels a launch in progress, SIGTERMs the child (SIGKILL after its grace) and waits for it. */
  private async stopProcess(): Promise<void> {
    this.launching?.abort();
    await this.starting;
    clearInterval(this.poll);
    this.poll = undefined;
    const stack = this.stack;
    this.stack = undefined;
    this.status = undefined;
    await stack?.stop();
  }

  private onExit(stack: RunningStack, exit: StackExit): void {
    if (exit.expected || this.stack !== stack) return;
    clearInterval(this.poll);
    this.poll = undefined;
    this.stack = undefined;
    this.status = undefined;
    // Reaps whatever the engine left in the child's process group.
    void stack.stop();
    const how = exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
    const message = `the stack process exited unexpectedly (${how})`;
    this.show({ phase: 'failed', error: message });
    this.deps.ui.showStackFailure(message, exit.lastLines);
  }

  private async refresh(): Promise<void> {
    const stack = this.stack;
    if (!stack) return;
    try {
      const status = await stack.status();
      if (this.stack !== stack) return;
      this.status = status;
      this.show({ phase: 'running', status });
    } catch {
      // The process's exit (if that is why) is reported by onExit; a slow answer is retried next tick.
    }
  }

  private show(state: TrayState): void {
    this.deps.ui.updateTray(trayView(state));
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
