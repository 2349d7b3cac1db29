import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeImage, session, shell, Tray } from 'electron';
import { AppController, type QuitChoice, type ShellUi } from './app-controller.js';
import { createDockerLauncher } from './docker-stack.js';
import { chooseEngine, dockerProbe } from './engine-choice.js';
import { registerIpcHandlers } from './ipc-handlers.js';
import { FileSettingsStore } from './settings-store.js';
import { stackFailurePage } from './stack-failure-page.js';
import { createStackLauncher } from './stack-launcher.js';
import type { TrayView } from './tray-view.js';
import {
  consoleWebPreferences,
  isAllowedNavigation,
  isConsoleUrl,
  withConsoleCsp,
} from './window-security.js';

// Electron glue only: every decision lives in AppController and window-security (tested without Electron).
// The docker engine runs in this process (the orchestrator drives Docker through Dockerode; the
// gateways run in containers). The embedded and native engines run gateways in-process or as Node
// processes, and uWebSockets.js has no build for Electron's ABI: they run in a `relaybox up` child
// process of the system Node.js (see stack-launcher.ts).
const TRAY_ICON =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAAN0lEQVR42mNgoAVQTX79HxumSDNRhhDSjNcQYjVjNYRUzRiGjBpABQMojkaqJCSqJGWqZCZSAQAcdn2IzbpOsAAAAABJRU5ErkJggg==';
const here = fileURLToPath(new URL('.', import.meta.url));
let window: BrowserWindow | undefined;
/** The daemon of the stack whose console the window shows. */
let windowDaemon: string | undefined;
let tray: Tray | undefined;
let quitting = false;

const ui: ShellUi = {
  showConsole: (url) => {
    // A window of this very stack (same daemon) is only shown; after a restart or a failure page
    // the window is made anew (its navigation rules are bound to its origin).
    if (window && !window.isDestroyed() && windowDaemon === controller.daemonUrl) {
      window.show();
      return;
    }
    window?.destroy();
    windowDaemon = controller.daemonUrl;
    window = createConsoleWindow(url);
  },
  updateTray: (view) => renderTray(view),
  confirmQuit: async (engine) => {
    const buttons = ['Stop the stack and quit', 'Cancel'];
    const { response } = await dialog.showMessageBox({
      type: 'question',
      buttons,
      defaultId: 0,
      cancelId: buttons.length - 1,
      message: `RelayBox started the ${engine} stack. Stop it before quitting?`,
    });
    const choices: QuitChoice[] = ['stop', 'cancel'];
    return choices[response] ?? 'cancel';
  },
  showError: (title, message) => dialog.showErrorBox(title, message),
  showStackFailure: (message, lastLines) => {
    window?.destroy();
    windowDaemon = undefined;
    window = createFailureWindow(stackFailurePage(message, lastLines));
  },
};

const stackDir = join(app.getPath('userData'), 'stack');
// The one setting read from the environment: the stack's port (default 9000, 0 = any free port).
const port = stackPort(process.env.RELAYBOX_PORT);
const onLine = (line: string) => console.log(`[stack] ${line}`);
const launchDocker = createDockerLauncher({
  // The docker engine's build context and stack definition, carried by the CLI bundle.
  stackDir: app.isPackaged ? join(process.resourcesPath, 'cli', 'stack') : join(here, '../cli/stack'),
  dataDir: join(stackDir, '.relaybox'),
  port,
  env: process.env,
  onLine,
});
const launchChild = createStackLauncher({
  env: process.env,
  // A checkout runs the CLI from source; a packaged app ships one as an extra resource.
  defaultCli: app.isPackaged
    ? join(process.resourcesPath, 'cli', 'relaybox.mjs')
    : join(here, '../../../platform/cli/bin/relaybox.mjs'),
  dir: stackDir,
  port,
  // The gateway serves the console the build put next to this bundle. A packaged app's is inside
  // app.asar, which the system Node.js cannot read: the CLI bundle serves its own copy instead.
  childEnv: app.isPackaged ? {} : { RELAYBOX_CONSOLE_DIR: join(here, '../console') },
  onLine,
});
const controller = new AppController({
  launchStack: (engine, settings, signal) =>
    engine === 'docker' ? launchDocker(signal) : launchChild(engine, settings, signal),
  chooseEngine: async (setting) => {
    const decision = await chooseEngine(setting, dockerProbe(process.env));
    log('engine chosen', { engine: decision.engine, reason: decision.reason });
    return decision;
  },
  settings: new FileSettingsStore(join(app.getPath('userData'), 'settings.json')),
  ui,
  appInfo: { version: app.getVersion(), platform: process.platform },
});

/** One pino-shaped JSON line on stdout (the app's log). */
function log(msg: string, fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ level: 30, time: Date.now(), service: 'desktop', msg, ...fields }));
}

function stackPort(raw: string | undefined): number {
  const port = Number(raw ?? 9000);
  return Number.isInteger(port) && port >= 0 && port <= 65535 ? port : 9000;
}

/** A plain window (no preload) showing why the stack is down, with the stack process's last lines. */
function createFailureWindow(html: string): BrowserWindow {
  const win = new BrowserWindow({
    width: 900,
    height: 600,
    title: 'RelayBox: the stack is not running',
    webPreferences: { contextIsolation: true, nodeIntegration: false, sandbox: true, webviewTag: false },
  });
  win.webContents.on('will-navigate', (event) => event.preventDefault());
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  win.on('closed', () => {
    if (window === win) window = undefined;
  });
  void win.loadURL(`data:text/html;charset=utf-8,${encodeURIComponent(html)}`);
  return win;
}

function createConsoleWindow(url: string): BrowserWindow {
  const origin = new URL(url).origin;
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    title: 'RelayBox',
    webPreferences: consoleWebPreferences(join(here, '../preload/preload.cjs')),
  });
  win.webContents.on('will-navigate', (event, target) => {
    if (!isAllowedNavigation(target, origin)) event.preventDefault();
  });
  win.webContents.on('will-redirect', (event, target) => {
    if (!isAllowedNavigation(target, origin)) event.preventDefault();
  });
  // No new windows from the page; http(s) links open in the user's browser instead.
  win.webContents.setWindowOpenHandler(({ url: target }) => {
    if (/^https?:\/\//.test(target)) void shell.openExternal(target);
    return { action: 'deny' };
  });
  win.on('closed', () => {
    if (window === win) window = undefined;
  });
  if (isConsoleUrl(url, origin)) void win.loadURL(url);
  return win;
}

function renderTray(view: TrayView): void {
  tray ??= new Tray(nativeImage.createFromDataURL(TRAY_ICON));
  tray.setToolTip(view.tooltip);
  tray.setContextMenu(
    Menu.buildFromTemplate([
      { label: view.statusLabel, enabled: false },
      { type: 'separator' },
      { label: 'Open console', enabled: view.canOpenConsole, click: () => controller.openConsole() },
      { label: 'Stop stack', enabled: view.canStopStack, click: () => void controller.stopStack() },
      { label: 'Restart stack', enabled: view.canRestart, click: () => void controller.restartStack() },
      { type: 'separator' },
      { label: 'Quit', click: () => app.quit() },
    ]),
  );
}

app.on('web-contents-created', (_event, contents) => {
  contents.on('will-attach-webview', (event) => event.preventDefault());
});

app.on('window-all-closed', () => {
  // The app lives in the tray while the stack runs; quitting goes through the tray or the app menu.
});

app.on('before-quit', (event) => {
  if (quitting) return;
  event.preventDefault();
  void controller.requestQuit().then((ok) => {
    if (!ok) return;
    quitting = true;
    app.quit();
  });
});

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => controller.openConsole());
  void app.whenReady().then(async () => {
    session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
      const origin = controller.consoleOrigin;
      const daemon = controller.daemonUrl;
      const headers =
        origin && daemon ? withConsoleCsp(details.url, details.responseHeaders, origin, daemon) : undefined;
      callback(headers ? { responseHeaders: headers } : {});
    });
    session.defaultSession.setPermissionRequestHandler((_contents, _permission, grant) => grant(false));
    registerIpcHandlers(ipcMain, controller.handlers(), (url) => controller.isTrustedUrl(url));
    await controller.start();
  });
}
