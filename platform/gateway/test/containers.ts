import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface ContainerRun {
  code: number | string;
  output: string;
  ms: number;
}

/**
 * `docker run --rm` with host networking (this machine's dockerd has no bridge), the repository
 * mounted at its own path (pnpm's symlinks stay valid) and `cwd` there. Killed past `timeoutMs`.
 */
export function runInContainer(
  image: string,
  command: string[],
  options: { root: string; env?: Record<string, string>; mounts?: string[]; timeoutMs: number },
): Promise<ContainerRun> {
  const name = `relaybox-test-run-${randomBytes(4).toString('hex')}`;
  const env = Object.entries(options.env ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  const mounts = [`${options.root}:${options.root}`, ...(options.mounts ?? [])].flatMap((m) => ['-v', m]);
  const args = ['run', '--rm', '--name', name, '--network', 'host', ...mounts, ...env, '-w', options.root];
  const started = Date.now();
  const proc = spawn('docker', [...args, image, ...command], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout.on('data', (c: Buffer) => (output += c.toString()));
  proc.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const timer = setTimeout(() => spawn('docker', ['kill', name], { stdio: 'ignore' }), options.timeoutMs);
  return new Promise((resolve) =>
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? signal ?? -1, output, ms: Date.now() - started });
    }),
  );
}
