import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { EngineChoice } from '../shared/ipc.js';
import { checkNodeRuntime, nodeCommand } from './node-runtime.js';
import type { StoredSettings } from './settings-store.js';
import { launchStack, type RunningStack, StackProcessError } from './stack-process.js';

/** Starts the app's stack on an engine; aborting `signal` stops a launch in progress. */
export type StackLauncher = (
  engine: EngineChoice,
  settings: StoredSettings,
  signal: AbortSignal,
) => Promise<RunningStack>;

export interface StackLauncherConfig {
  /** Where `RELAYBOX_NODE` and `RELAYBOX_CLI` are read (process.env in the app). */
  env: Record<string, string | undefined>;
  /** The CLI entry when neither `RELAYBOX_CLI` nor the settings' `cliPath` names one. */
  defaultCli: string;
  /** The app's stack directory: the child's cwd, with `.relaybox/` (daemon.json, stack.json, logs). */
  dir: string;
  port: number;
  /** Extra environment of the child (e.g. RELAYBOX_CONSOLE_DIR). */
  childEnv?: Record<string, string | undefined>;
  readyTimeoutMs?: number;
  stopGraceMs?: number;
  onLine?: (line: string) => void;
}

/**
 * The launcher the app uses: checks the system Node.js (>= 20; a NodeRuntimeError names what to
 * install), finds the CLI and spawns `relaybox up` with `RELAYBOX_DATA_DIR=<dir>/.relaybox`, so
 * its daemon.json lands where `launchStack` looks for it.
 */
export function createStackLauncher(config: StackLauncherConfig): StackLauncher {
  return async (engine, settings, signal) => {
    const runtime = await checkNodeRuntime(nodeCommand(config.env, settings.nodePath));
    const cli = config.env.RELAYBOX_CLI || settings.cliPath || config.defaultCli;
    try {
      await access(cli);
    } catch {
      throw new StackProcessError(
        `the relaybox CLI was not found at ${cli} (set RELAYBOX_CLI or "cliPath" in settings.json)`,
        [],
      );
    }
    await mkdir(config.dir, { recursive: true, mode: 0o700 });
    return launchStack({
      node: runtime.path,
      cli,
      engine,
      port: config.port,
      dir: config.dir,
      env: { ...config.childEnv, RELAYBOX_DATA_DIR: join(config.dir, '.relaybox') },
      signal,
      ...(config.readyTimeoutMs === undefined ? {} : { readyTimeoutMs: config.readyTimeoutMs }),
      ...(config.stopGraceMs === undefined ? {} : { stopGraceMs: config.stopGraceMs }),
      ...(config.onLine ? { onLine: config.onLine } : {}),
    });
  };
}
