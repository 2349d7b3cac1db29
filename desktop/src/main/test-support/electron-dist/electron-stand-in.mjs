// A stand-in for the `electron` module, used only by the main-bundle*.int.test.ts tests to run the
// built main process under plain Node (the Electron binary cannot be installed here): from the
// checkout's desktop/dist, or packaged by electron-builder with this folder as its Electron
// distribution (./electron, ./boot.mjs; see main-bundle-packaged.int.test.ts). It records what
// main.ts asks of Electron as JSON lines on stdout and takes commands on stdin:
//   {"cmd":"ipc","channel":...,"args":[...],"url":...}  invoke a registered IPC handler from a frame at `url`
//   {"cmd":"headers","url":...,"headers":{...}}         run the onHeadersReceived hook
//   {"cmd":"menu","label":...}                           click the tray menu's item with that label
//   {"cmd":"quit"}                                       the user quits (before-quit, then quit)
import { basename } from 'node:path';
import { createInterface } from 'node:readline';

const emit = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);
const appListeners = new Map();
const ipcHandlers = new Map();
let headersHook;
let trayMenu = [];
let quitting = false;

export const app = {
  getPath: (name) => `${process.env.RB_STAND_IN_USERDATA}/${name === 'userData' ? '' : name}`,
  getVersion: () => '0.0.0-test',
  // As Electron decides: packaged unless the executable is named `electron`; a checkout's bundle is
  // started with node directly (no executable at all).
  isPackaged:
    process.env.RB_STAND_IN_EXECUTABLE !== undefined &&
    basename(process.env.RB_STAND_IN_EXECUTABLE) !== 'electron',
  on: (name, fn) => appListeners.set(name, [...(appListeners.get(name) ?? []), fn]),
  requestSingleInstanceLock: () => true,
  whenReady: () => Promise.resolve(),
  quit: () => {
    const event = {
      defaultPrevented: false,
      preventDefault() {
        this.defaultPrevented = true;
      },
    };
    for (const fn of appListeners.get('before-quit') ?? []) fn(event);
    if (event.defaultPrevented || quitting) return;
    quitting = true;
    emit({ type: 'quit' });
    setImmediate(() => process.exit(0));
  },
};

export class BrowserWindow {
  constructor(options) {
    emit({ type: 'window', webPreferences: options.webPreferences });
    this.destroyed = false;
    this.url = '';
    this.webContents = {
      on: () => undefined,
      setWindowOpenHandler: () => undefined,
      getURL: () => this.url,
    };
  }
  on() {}
  isDestroyed() {
    return this.destroyed;
  }
  destroy() {
    this.destroyed = true;
    emit({ type: 'window-destroyed', url: this.url });
  }
  show() {}
  loadURL(url) {
    this.url = url;
    // A failure page (data: URL) is reported with its text, so a test can read what it shows.
    if (url.startsWith('data:')) {
      emit({ type: 'failure-page', html: decodeURIComponent(url.slice(url.indexOf(',') + 1)) });
    } else emit({ type: 'loadURL', url });
    return Promise.resolve();
  }
}

export const dialog = {
  showErrorBox: (title, message) => emit({ type: 'error', title, message }),
  showMessageBox: async (options) => {
    emit({ type: 'question', message: options.message, buttons: options.buttons });
    return { response: 0 };
  },
};
export const ipcMain = {
  handle: (channel, fn) => ipcHandlers.set(channel, fn),
  removeHandler: (channel) => ipcHandlers.delete(channel),
};
export const Menu = { buildFromTemplate: (template) => template };
export const nativeImage = { createFromDataURL: () => ({}) };
export const session = {
  defaultSession: {
    webRequest: {
      onHeadersReceived: (fn) => {
        headersHook = fn;
      },
    },
    setPermissionRequestHandler: () => undefined,
  },
};
export const shell = { openExternal: async () => undefined };
export class Tray {
  setToolTip(tooltip) {
    emit({ type: 'tray', tooltip });
  }
  setContextMenu(menu) {
    trayMenu = menu;
    emit({ type: 'menu', labels: menu.map((item) => item.label ?? '-') });
  }
}

createInterface({ input: process.stdin }).on('line', async (line) => {
  const command = JSON.parse(line);
  if (command.cmd === 'ipc') {
    const handler = ipcHandlers.get(command.channel);
    const result = handler
      ? await handler({ senderFrame: { url: command.url } }, ...command.args)
      : 'no handler';
    emit({ type: 'ipc-result', channel: command.channel, result });
  } else if (command.cmd === 'headers') {
    headersHook({ url: command.url, responseHeaders: command.headers }, (result) =>
      emit({ type: 'headers-result', result }),
    );
  } else if (command.cmd === 'menu') {
    const item = trayMenu.find((entry) => entry.label === command.label);
    emit({ type: 'menu-click', label: command.label, enabled: item?.enabled ?? false });
    item?.click?.();
  } else if (command.cmd === 'quit') {
    app.quit();
  }
});
