import { execFile } from 'node:child_process';

/** The stack runs in a child process of the system Node.js: this is the oldest it supports. */
export const MIN_NODE_MAJOR = 20;

export const NODE_INSTALL_HINT =
  `Install Node.js ${MIN_NODE_MAJOR} LTS or newer (https://nodejs.org, or your package manager), ` +
  'then start RelayBox again. If it is installed outside PATH, set RELAYBOX_NODE to the `node` ' +
  'executable (or "nodePath" in the app\'s settings.json).';

/** A missing or too old Node.js; the message names what to install. */
export class NodeRuntimeError extends Error {
  override readonly name = 'NodeRuntimeError';
}

export interface NodeRuntime {
  path: string;
  /** e.g. `v20.11.1` */
  version: string;
}

/** Which `node` to run: `RELAYBOX_NODE`, else the settings' `nodePath`, else `node` on PATH. */
export function nodeCommand(env: Record<string, string | undefined>, settingsPath?: string): string {
  return env.RELAYBOX_NODE || settingsPath || 'node';
}

/**
 * Runs `<node> --version` and checks it is at least `MIN_NODE_MAJOR`. Resolves the runtime or
 * rejects with a NodeRuntimeError whose message says what was found and what to install.
 */
export function checkNodeRuntime(path: string): Promise<NodeRuntime> {
  return new Promise((resolve, reject) => {
    execFile(path, ['--version'], { timeout: 10_000, windowsHide: true }, (error, stdout) => {
      if (error) {
        const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
        const found = missing ? `"${path}" was not found` : `"${path} --version" failed (${error.message})`;
        reject(
          new NodeRuntimeError(`RelayBox runs its stack with Node.js, but ${found}. ${NODE_INSTALL_HINT}`),
        );
        return;
      }
      const version = stdout.trim();
      const major = Number(/^v(\d+)\./.exec(version)?.[1]);
      if (!Number.isInteger(major) || major < MIN_NODE_MAJOR) {
        reject(
          new NodeRuntimeError(
            `RelayBox runs its stack with Node.js ${MIN_NODE_MAJOR} or newer, but "${path}" is ${version || 'of an unknown version'}. ${NODE_INSTALL_HINT}`,
          ),
        );
        return;
      }
      resolve({ path, version });
    });
  });
}
