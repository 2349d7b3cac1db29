import { rmSync } from 'node:fs';
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
  /** Directory whose `.relaybox/daemon.json` announces the daemon (default: the cwd). */
  dir?: string;
}

/**
 * Starts a daemon for the `engine` this process runs (`relaybox up` calls it once the stack is
 * up, passing the keys from its `UpResult` as `credentials`) and announces it in
 * `<dir>/.relaybox/daemon.json`. `close()` stops the daemon and removes the file; the file is also
 * removed if the process exits without closing.
 */
export async function ensureDaemon(
  engine: Engine,
  options: EnsureDaemonOptions = {},
): Promise<RunningDaemon> {
  const { dir = process.cwd(), ...daemonOptions } = options;
  const daemon = await startDaemon({ ...daemonOptions, engine });
  const path = daemonFilePath(dir);
  try {
    await writeDaemonFile(dir, {
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
      await removeDaemonFile(dir, daemon.secret);
    },
  };
}

export interface FoundDaemon {
  daemon: DaemonFile;
  connection: StackConnection;
}

/**
 * The live daemon announced in `<dir>/.relaybox/daemon.json`, with its stack's connection info;
 * undefined when there is no file or the daemon does not answer (a stale file is removed).
 */
export async function findDaemon(
  dir: string,
  fetchFn: typeof fetch = fetch,
): Promise<FoundDaemon | undefined> {
  const daemon = await readDaemonFile(dir);
  if (!daemon) return undefined;
  let response: Response;
  try {
    response = await fetchFn(`${daemon.url}/api/stack/connection`, {
      headers: { authorization: `Bearer ${daemon.secret}` },
      signal: AbortSignal.timeout(5000),
    });
  } catch {
    if (!isAlive(daemon.pid)) await removeDaemonFile(dir, daemon.secret);
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
