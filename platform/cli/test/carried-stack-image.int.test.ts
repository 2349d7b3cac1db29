import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The docker build context the relaybox package carries (scripts/carried-stack.mjs), built into an
// image on the local Docker engine from the local Node.js base (scripts/docker-test-images.sh): the
// native modules the gateway loads at runtime must be in it, @node-rs/argon2 (password sign-up and
// sign-in) among them. The registry test runs the whole carried stack from an installed package.

const NODE_IMAGE = 'relaybox-test/node:24-trixie';
const image = `relaybox-test/platform:argon2-${randomBytes(4).toString('hex')}`;
let out: string;

const docker = (args: string[]) => spawnSync('docker', args, { encoding: 'utf8', timeout: 300_000 });

beforeAll(() => {
  const node = (args: string[]) => {
    const run = spawnSync(process.execPath, args, { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`node ${args.join(' ')} failed:\n${run.stdout}\n${run.stderr}`);
  };
  // The bundle needs the console build (built when its sources are newer).
  node([fileURLToPath(new URL('../../../scripts/build-console.mjs', import.meta.url))]);
  out = mkdtempSync(join(tmpdir(), 'rb-carried-image-'));
  const bundler = new URL('../scripts/bundle-cli.mjs', import.meta.url).href;
  node([
    '--input-type=module',
    '-e',
    `await (await import(${JSON.stringify(bundler)})).bundleCli(process.argv[1])`,
    out,
  ]);
}, 180_000);

afterAll(() => {
  docker(['image', 'rm', '--force', image]);
  if (out) rmSync(out, { recursive: true, force: true });
});

describe('the carried docker build context', () => {
  it('carries @node-rs/argon2 with the Linux glibc binary of this machine', () => {
    const argon2 = join(out, 'stack/app/argon2');
    expect(existsSync(join(argon2, 'argon2/index.js'))).toBe(true);
    if (process.platform === 'linux')
      expect(readdirSync(argon2)).toContain(`argon2-linux-${process.arch}-gnu`);
  });

  it('builds an image in which the platform hashes and verifies a password with argon2', () => {
    const built = docker([
      'build',
      '--quiet',
      '--build-arg',
      `NODE_IMAGE=${NODE_IMAGE}`,
      '-t',
      image,
      join(out, 'stack'),
    ]);
    expect(built.status, built.stderr).toBe(0);
    // In the runtime image, from the app's own folder (where relaybox.mjs resolves its imports).
    const script = [
      "const { hash, verify } = await import('@node-rs/argon2');",
      "const h = await hash('correct horse', { memoryCost: 19456, timeCost: 2, parallelism: 1 });",
      "console.log(h.split('$')[1], await verify(h, 'correct horse'), await verify(h, 'wrong'));",
    ].join(' ');
    const ran = docker([
      'run',
      '--rm',
      '--network',
      'none',
      '--entrypoint',
      'node',
      image,
      '--input-type=module',
      '-e',
      script,
    ]);
    expect(ran.status, ran.stderr).toBe(0);
    expect(ran.stdout.trim()).toBe('argon2id true false');
  }, 300_000);
});
