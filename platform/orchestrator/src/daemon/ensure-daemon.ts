import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from '../engine.js';
import {
  type DaemonFile,
  daemonFilePath,
  readDaemonFile,
  removeDaemonFile,
  writeDaemonFile,
} from './daemon-file.js';
import type { StackConnection } from './daemon-routes.js';
import { type DaemonOptions, type RunningDaemon, startDaemon } from './start-daemon.js';

export interface EnsureDaemonOptions extends Omit<DaemonOptions, 'engine'> {
  /** The stack's data dir, whose `daemon.json` announces the daemon (default: `.relaybox` of the cwd). */
  dataDir?: string;
}

/**
 * Starts a daemon for the `engine` this process runs (`relaybox up` calls it once the stack is
 * up, passing the keys from its `UpResult` as `credentials`) and announces it in
 * `<dataDir>/daemon.json`. `close()` stops the daemon and removes the file; the file is also
 * removed if the process exits without closing.
 */
export async function ensureDaemon(
  engine: Engine,
  options: EnsureDaemonOptions = {},
): Promise<RunningDaemon> {
  const { dataDir = join(process.cwd(), '.relaybox'), ...daemonOptions } = options;
  const daemon = await startDaemon({ ...daemonOptions, engine });
  const path = daemonFilePath(dataDir);
  try {
    await writeDaemonFile(dataDir, {
      url: daemon.url,
      secret: daemon.secret,
      pid: process.pid,
      engine: engine.name,
      startedAt: Date.now(),
    });
  } catch (error) {
    await daemon.close();
    throw error;
  }
  const onExit = (): void => {
    rmSync(path, { force: true });
  };
  process.once('exit', onExit);
  return {
    ...daemon,
    close: async () => {
      process.off('exit', onExit);
      await daemon.close();
      await removeDaemonFile(dataDir, daemon.secret);
    },
  };
}

export interface FoundDaemon {
  daemon: DaemonFile;
  connection: StackConnection;
}

/**
 * The live daemon announced in `<dataDir>/daemon.json`, with its stack's connection info;
 * undefined when there is no file or the daemon does not answer (a stale file is removed).
 */
export async function findDaemon(
  dataDir: string,
  fetchFn: typeof fetch = fetch,
): Promise<FoundDaemon | undefined> {
  const daemon = await readDaemonFile(dataDir);
  if (!daemon) return undefined;
  let response: Response;
  try {
    response = await fetchFn(`${daemon.url}/api/stack/connection`, {
      headers: { authorization: `Bearer ${daemon.secret}` },
      signal: AbortSignal.timeout(5000),
    });
  } catch {
    if (!isAlive(daemon.pid)) await removeDaemonFile(dataDir, daemon.secret);
    return undefined;
  }
  if (!response.ok) return undefined;
  return { daemon, connection: (await response.json()) as StackConnection };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
