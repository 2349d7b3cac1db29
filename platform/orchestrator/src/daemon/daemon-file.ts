import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * `<dataDir>/daemon.json` (`.relaybox/daemon.json` by default, `RELAYBOX_DATA_DIR` moves it): how
 * `relaybox console` and the desktop app (other processes) find the daemon of the stack that
 * `relaybox up` started with the same data dir. It holds the daemon's secret, so it is written with
 * mode 0600 in a 0700 directory, and removed when that daemon closes.
 */
export interface DaemonFile {
  url: string;
  secret: string;
  pid: number;
  engine: string;
  startedAt: number;
}

export function daemonFilePath(dataDir: string): string {
  return join(dataDir, 'daemon.json');
}

export async function writeDaemonFile(dataDir: string, info: DaemonFile): Promise<string> {
  const path = daemonFilePath(dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  // Written whole to a private temp file and renamed, so a reader never sees half a file and the
  // secret is never readable by others, not even for a moment.
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  await chmod(temp, 0o600);
  await rename(temp, path);
  return path;
}

/** The file's contents, or undefined when there is none. A corrupt file reads as none. */
export async function readDaemonFile(dataDir: string): Promise<DaemonFile | undefined> {
  let text: string;
  try {
    text = await readFile(daemonFilePath(dataDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const value = JSON.parse(text) as Partial<DaemonFile>;
    const valid =
      typeof value.url === 'string' &&
      /^http:\/\/(127\.0\.0\.1|localhost):\d+$/.test(value.url) &&
      typeof value.secret === 'string' &&
      typeof value.pid === 'number';
    return valid ? (value as DaemonFile) : undefined;
  } catch {
    return undefined;
  }
}

/** Removes the file if it still describes the daemon with `secret` (a newer daemon's file stays). */
export async function removeDaemonFile(dataDir: string, secret: string): Promise<void> {
  const current = await readDaemonFile(dataDir).catch(() => undefined);
  if (current?.secret === secret) await rm(daemonFilePath(dataDir), { force: true });
}
