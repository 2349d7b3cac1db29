import {
  type IpcArgs,
  type IpcChannel,
  IpcError,
  type IpcResult,
  type IpcReturn,
  isIpcChannel,
  type RelayboxBridge,
  unwrapIpcResult,
} from '../shared/ipc.js';

/** The part of Electron's `ipcRenderer` the preload uses (a stand-in in tests). */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
}

/**
 * Builds `window.relaybox`: one frozen object with only `invoke`, which forwards channels of
 * the IPC map and rejects anything else before it reaches the main process. `ipcRenderer`
 * itself never reaches the page.
 */
export function createPreloadApi(ipcRenderer: IpcRendererLike): RelayboxBridge {
  async function invoke<C extends IpcChannel>(channel: C, ...args: IpcArgs<C>): Promise<IpcReturn<C>> {
    if (!isIpcChannel(channel)) {
      throw new IpcError('unknown_channel', `IPC channel "${String(channel)}" is not in the IPC map`);
    }
    const reply = (await ipcRenderer.invoke(channel, ...args)) as IpcResult<IpcReturn<C>>;
    return unwrapIpcResult(reply);
  }
  return Object.freeze({ invoke });
}
