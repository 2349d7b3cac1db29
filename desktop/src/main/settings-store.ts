import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DesktopSettings } from '../shared/ipc.js';

export const DEFAULT_SETTINGS: DesktopSettings = { engine: 'embedded' };

export interface SettingsStore {
  read(): Promise<DesktopSettings>;
  write(settings: DesktopSettings): Promise<void>;
}

/** Settings as a JSON file (in Electron's userData dir); a missing or invalid file gives the defaults. */
export class FileSettingsStore implements SettingsStore {
  constructor(private readonly path: string) {}

  async read(): Promise<DesktopSettings> {
    try {
      const value = JSON.parse(await readFile(this.path, 'utf8')) as Partial<DesktopSettings>;
      return { engine: value.engine === 'docker' ? 'docker' : 'embedded' };
    } catch {
      return { ...DEFAULT_SETTINGS };
    }
  }

  async write(settings: DesktopSettings): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const temp = `${this.path}.tmp`;
    await writeFile(temp, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
    await rename(temp, this.path);
  }
}
