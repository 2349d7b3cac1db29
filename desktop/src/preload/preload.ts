import { contextBridge, ipcRenderer } from 'electron';
import { createPreloadApi } from './preload-api.js';

// Runs sandboxed with contextIsolation: the page sees only `window.relaybox.invoke`.
contextBridge.exposeInMainWorld('relaybox', createPreloadApi(ipcRenderer));
