import {
  IPC_ARGUMENT_CHECKS,
  IPC_CHANNELS,
  type IpcChannel,
  IpcError,
  type IpcHandlers,
  type IpcResult,
} from '../shared/ipc.js';

/** The part of Electron's `ipcMain` used here. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

export interface IpcEventLike {
  senderFrame?: { url: string } | null;
}

/**
 * Registers one handler per channel of the IPC map. Each call is checked before its handler
 * runs: the sending frame must be the console (`isTrustedUrl`), the arguments must match the
 * channel's signature. Results and failures travel as `IpcResult`. Returns the unregister function.
 */
export function registerIpcHandlers(
  ipcMain: IpcMainLike,
  handlers: IpcHandlers,
  isTrustedUrl: (url: string) => boolean,
): () => void {
  for (const channel of IPC_CHANNELS) {
    ipcMain.handle(channel, (event, ...args) => dispatch(channel, handlers, isTrustedUrl, event, args));
  }
  return () => {
    for (const channel of IPC_CHANNELS) ipcMain.removeHandler(channel);
  };
}

async function dispatch(
  channel: IpcChannel,
  handlers: IpcHandlers,
  isTrustedUrl: (url: string) => boolean,
  event: IpcEventLike,
  args: unknown[],
): Promise<IpcResult<unknown>> {
  try {
    const url = event.senderFrame?.url;
    if (!url || !isTrustedUrl(url)) {
      throw new IpcError('forbidden_sender', `IPC from ${url ?? 'an unknown frame'} is not allowed`);
    }
    const check = IPC_ARGUMENT_CHECKS[channel] as (a: unknown[]) => boolean;
    if (!check(args)) throw new IpcError('invalid_argument', `bad arguments for IPC channel ${channel}`);
    const handler = handlers[channel] as (...a: unknown[]) => unknown;
    return { ok: true, value: await handler(...args) };
  } catch (error) {
    if (error instanceof IpcError) return { ok: false, error: { code: error.code, message: error.detail } };
    const code = (error as { code?: unknown }).code;
    return {
      ok: false,
      error: {
        code: typeof code === 'string' ? code : 'internal_error',
        message: error instanceof Error ? error.message : String(error),
      },
    };
  }
}
