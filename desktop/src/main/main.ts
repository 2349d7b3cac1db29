import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DockerEngine, EmbeddedEngine, type Engine, startDaemon } from '@relaybox/orchestrator';
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeImage, session, shell, Tray } from 'electron';
import { AppController, type QuitChoice, type ShellUi } from './app-controller.js';
import { registerIpcHandlers } from './ipc-handlers.js';
import { FileSettingsStore } from './settings-store.js';
import type { TrayView } from './tray-view.js';
import {
  consoleWebPreferences,
  isAllowedNavigation,
  isConsoleUrl,
  withConsoleCsp,
} from './window-security.js';

// Electron glue only: every decision lives in AppController and window-security (tested without Electron).
const TRAY_ICON =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAAN0lEQVR42mNgoAVQTX79HxumSDNRhhDSjNcQYjVjNYRUzRiGjBpABQMojkaqJCSqJGWqZCZSAQAcdn2IzbpOsAAAAABJRU5ErkJggg==';
const here = fileURLToPath(new URL('.', import.meta.url));
let window: BrowserWindow | undefined;
let tray: Tray | undefined;
let quitting = false;

const ui: ShellUi = {
  showConsole: (url) => {
    if (window && !window.isDestroyed()) {
      window.show();
      return;
    }
    window = createConsoleWindow(url);
  },
  updateTray: (view) => renderTray(view),
  confirmQuit: async (engine, canKeepRunning) => {
    const buttons = [
      'Stop the stack and quit',
      ...(canKeepRunning ? ['Quit, keep it running'] : []),
      'Cancel',
    ];
    const { response } = await dialog.showMessageBox({
      type: 'question',
      buttons,
      defaultId: 0,
      cancelId: buttons.length - 1,
      message: `RelayBox started the ${engine} stack. Stop it before quitting?`,
    });
    const choices: QuitChoice[] = canKeepRunning ? ['stop', 'keep', 'cancel'] : ['stop', 'cancel'];
    return choices[response] ?? 'cancel';
  },
  showError: (title, message) => dialog.showErrorBox(title, message),
};

const controller = new AppController({
  createEngine: (choice) =>
    choice === 'docker'
      ? createDockerEngine()
      : new EmbeddedEngine({
          dataDir: join(app.getPath('userData'), 'stack'),
          // The gateway serves the console the build put next to this bundle.
          env: { RELAYBOX_CONSOLE_DIR: join(here, '../console') },
        }),
  startDaemon,
  settings: new FileSettingsStore(join(app.getPath('userData'), 'settings.json')),
  ui,
  appInfo: { version: app.getVersion(), platform: process.platform },
  // The one setting read from the environment: the stack's port (default 9000, 0 = any free port).
  upOptions: { port: stackPort(process.env.RELAYBOX_PORT) },
});

function stackPort(raw: string | undefined): number {
  const port = Number(raw ?? 9000);
  return Number.isInteger(port) && port >= 0 && port <= 65535 ? port : 9000;
}

/** The docker engine reads the stack definition shipped as an extra resource (the repo's compose/ in dev). */
function createDockerEngine(): Engine {
  const composeFile = app.isPackaged
    ? join(process.resourcesPath, 'compose', 'compose.yaml')
    : join(here, '../../../compose/compose.yaml');
  return new DockerEngine({ composeFile });
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
    window = undefined;
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
