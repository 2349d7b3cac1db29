import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type DesktopSettings, ENGINE_SETTINGS, type EngineSetting } from '../shared/ipc.js';

export const DEFAULT_SETTINGS: DesktopSettings = { engine: 'auto' };

/**
 * The settings file: what the renderer may see and change (`DesktopSettings`) plus paths only
 * the main process reads. The paths name executables, so no IPC channel ever writes them.
 */
export interface StoredSettings extends DesktopSettings {
  /** The `node` to run the stack with (`RELAYBOX_NODE` wins; default `node` on PATH). */
  nodePath?: string;
  /** The `relaybox` CLI entry (`RELAYBOX_CLI` wins; default the checkout's or the bundled CLI). */
  cliPath?: string;
}

export interface SettingsStore {
  read(): Promise<StoredSettings>;
  write(settings: StoredSettings): Promise<void>;
}

/** Settings as a JSON file (in Electron's userData dir); a missing or invalid file gives the defaults. */
export class FileSettingsStore implements SettingsStore {
  constructor(private readonly path: string) {}

  async read(): Promise<StoredSettings> {
    try {
      const value = JSON.parse(await readFile(this.path, 'utf8')) as Partial<StoredSettings>;
      const engine: EngineSetting = (ENGINE_SETTINGS as readonly unknown[]).includes(value.engine)
        ? (value.engine as EngineSetting)
        : DEFAULT_SETTINGS.engine;
      return {
        engine,
        ...(typeof value.nodePath === 'string' && value.nodePath ? { nodePath: value.nodePath } : {}),
        ...(typeof value.cliPath === 'string' && value.cliPath ? { cliPath: value.cliPath } : {}),
      };
    } catch {
      return { ...DEFAULT_SETTINGS };
    }
  }

  async write(settings: StoredSettings): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const temp = `${this.path}.tmp`;
    await writeFile(temp, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
    await rename(temp, this.path);
  }
}
