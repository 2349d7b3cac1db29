/**
 * The one typed IPC map of the desktop app: channel → signature. The main process registers a
 * handler per channel (`desktop/src/main/ipc-handlers.ts`), the preload forwards only these
 * channels (`desktop/src/preload/preload-api.ts`), and the renderer calls
 * `window.relaybox.invoke(channel, ...args)`. Nothing else crosses the bridge.
 *
 * Errors cross IPC as `{ ok: false, error: { code, message } }` and are rethrown as `IpcError`.
 * This file is imported by all three sides: no Node or Electron imports here.
 */

/**
 * The engine a stack runs on. The docker engine runs in the app's main process (the orchestrator
 * and Dockerode); embedded and native run in a `relaybox up` child process of the system Node.js
 * (docs/desktop.md).
 */
export type EngineChoice = 'embedded' | 'native' | 'docker';

/** What the user picked: an engine, or `auto` (docker when a Docker engine answers, else embedded). */
export type EngineSetting = EngineChoice | 'auto';

export const ENGINE_SETTINGS = [
  'auto',
  'embedded',
  'native',
  'docker',
] as const satisfies readonly EngineSetting[];

/** Where the renderer reaches the local daemon (it then talks HTTP like the browser console). */
export interface ConsoleConnection {
  daemonUrl: string;
  secret: string;
}

export interface DesktopSettings {
  /** Engine the app starts the stack with (default `auto`); a change applies at the next start. */
  engine: EngineSetting;
}

export interface AppInfo {
  version: string;
  platform: string;
  /** Engine of the running stack (or of the one starting). */
  engine: EngineChoice;
  /** Why that engine: the user's setting, or the default with what the Docker probe found. */
  engineReason: string;
}

export interface IpcChannels {
  'console:connection': () => ConsoleConnection;
  'app:info': () => AppInfo;
  'settings:get': () => DesktopSettings;
  'settings:set-engine': (engine: EngineSetting) => DesktopSettings;
}

export type IpcChannel = keyof IpcChannels;
export type IpcArgs<C extends IpcChannel> = Parameters<IpcChannels[C]>;
export type IpcReturn<C extends IpcChannel> = Awaited<ReturnType<IpcChannels[C]>>;

/** Every channel, at runtime. The `satisfies` pair below keeps it equal to the map's keys. */
export const IPC_CHANNELS = [
  'console:connection',
  'app:info',
  'settings:get',
  'settings:set-engine',
] as const satisfies readonly IpcChannel[];

type Missing = Exclude<IpcChannel, (typeof IPC_CHANNELS)[number]>;
// A channel added to the map but not to IPC_CHANNELS fails to compile here.
export const ipcChannelsComplete: Missing extends never ? true : Missing = true;

export function isIpcChannel(value: unknown): value is IpcChannel {
  return typeof value === 'string' && (IPC_CHANNELS as readonly string[]).includes(value);
}

export type IpcErrorCode =
  | 'unknown_channel'
  | 'invalid_argument'
  | 'forbidden_sender'
  | 'internal_error'
  | string;

export type IpcResult<T> =
  | { ok: true; value: T }
  | { ok: false; error: { code: IpcErrorCode; message: string } };

/** A failed IPC call, rethrown on the calling side with the handler's code. */
export class IpcError extends Error {
  override readonly name = 'IpcError';
  constructor(
    readonly code: IpcErrorCode,
    message: string,
  ) {
    // contextBridge clones only an error's message into the renderer, so the code rides in it too.
    super(`${code}: ${message}`);
    this.detail = message;
  }
  readonly detail: string;

  /** Recovers the code from an error that crossed contextBridge (only its message survives). */
  static from(error: unknown): IpcError {
    if (error instanceof IpcError) return error;
    const text = error instanceof Error ? error.message : String(error);
    const match = /(?:^|: )([a-z_]+): (.*)$/s.exec(text);
    return match ? new IpcError(match[1]!, match[2]!) : new IpcError('internal_error', text);
  }
}

export function unwrapIpcResult<T>(result: IpcResult<T>): T {
  if (result && typeof result === 'object' && result.ok === true) return result.value;
  if (result && typeof result === 'object' && result.ok === false) {
    throw new IpcError(result.error.code, result.error.message);
  }
  throw new IpcError('internal_error', 'malformed IPC reply');
}

/** What the preload exposes as `window.relaybox`: exactly one typed function. */
export interface RelayboxBridge {
  invoke<C extends IpcChannel>(channel: C, ...args: IpcArgs<C>): Promise<IpcReturn<C>>;
}

/** The main-process side: one handler per channel, each may be async. */
export type IpcHandlers = {
  [C in IpcChannel]: (...args: IpcArgs<C>) => IpcReturn<C> | Promise<IpcReturn<C>>;
};

/** Argument checks run in main before a handler sees renderer input (the renderer is untrusted). */
export const IPC_ARGUMENT_CHECKS: { [C in IpcChannel]: (args: unknown[]) => args is IpcArgs<C> } = {
  'console:connection': (args): args is [] => args.length === 0,
  'app:info': (args): args is [] => args.length === 0,
  'settings:get': (args): args is [] => args.length === 0,
  'settings:set-engine': (args): args is [EngineSetting] =>
    args.length === 1 && (ENGINE_SETTINGS as readonly unknown[]).includes(args[0]),
};
