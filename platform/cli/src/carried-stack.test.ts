import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CHECKOUT_STACK_DIR, defaultStackDir, readStackDefinition } from '@relaybox/orchestrator';
import { afterAll, describe, expect, it } from 'vitest';
import { carriedCompose, carriedDockerfile, defaultNodeMajor, treeHash } from '../scripts/carried-stack.mjs';

// The stack a CLI bundle carries (scripts/carried-stack.mjs), checked against the checkout's own
// definition without building anything; the registry test builds and runs it on Docker.

const REPO = new URL('../../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, REPO), 'utf8');
const temps: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'rb-carried-'));
  temps.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

const VARS = { RELAYBOX_DEV_API_KEY: 'dev.default:x' };

describe('the carried stack', () => {
  it('runs the same services as the checkout, with the platform built from its own folder', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'compose.yaml'),
      carriedCompose(read('compose/compose.yaml'), { bundleId: 'abc123', version: '1.2.3' }),
    );
    const carried = readStackDefinition({ dir });
    const checkout = readStackDefinition();
    expect(carried.serviceNames()).toEqual(checkout.serviceNames());
    expect(carried.startOrder()).toEqual(checkout.startOrder());
    for (const name of checkout.serviceNames()) {
      const mine = carried.service(name, VARS);
      const theirs = checkout.service(name, VARS);
      expect({ ...mine, build: undefined, image: undefined, mounts: undefined }).toEqual({
        ...theirs,
        build: undefined,
        image: undefined,
        mounts: undefined,
      });
      if (theirs.build) {
        expect(mine.build).toEqual({
          context: dir,
          dockerfile: 'Dockerfile',
          args: { ...theirs.build.args, RELAYBOX_BUNDLE: 'abc123' },
        });
        expect(mine.image).toBe('relaybox/platform:1.2.3');
        expect(carried.service(name, { ...VARS, RELAYBOX_PLATFORM_IMAGE: 'mine:1' }).image).toBe('mine:1');
      } else expect(mine.image).toBe(theirs.image);
      // Bind mounts (nginx's config) resolve inside the carried folder.
      expect(mine.mounts.map((m) => (m.type === 'bind' ? m.source.replace(dir, '<dir>') : m.source))).toEqual(
        theirs.mounts.map((m) =>
          m.type === 'bind' ? m.source.replace(CHECKOUT_STACK_DIR.replace(/\/$/, ''), '<dir>') : m.source,
        ),
      );
    }
  });

  it('refuses a compose.yaml whose platform build it does not recognise', () => {
    const changed = read('compose/compose.yaml').replace('dockerfile: platform/Dockerfile', 'dockerfile: x');
    expect(() => carriedCompose(changed, { bundleId: 'a', version: '1' })).toThrow(/exactly one/);
  });

  it("builds the image with its own build stage and platform/Dockerfile's runtime stage, unchanged", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Dockerfile variable
    const FROM = 'FROM ${NODE_IMAGE}';
    const platform = read('platform/Dockerfile');
    expect(defaultNodeMajor(platform)).toBe('24');
    const dockerfile = carriedDockerfile(platform, 'Node.js 24');
    const runtime = platform.slice(platform.lastIndexOf(`\n${FROM}\n`) + 1).trimEnd();
    expect(dockerfile).toContain(runtime);
    expect(dockerfile.split('\n').filter((line) => line.startsWith('FROM '))).toEqual([
      `${FROM} AS build`,
      FROM,
    ]);
    expect(dockerfile).toContain('ARG NODE_IMAGE=node:24-trixie-slim');
    expect(dockerfile).toMatch(/LABEL dev\.relaybox\.bundle=\$\{RELAYBOX_BUNDLE\}/);
    expect(() => carriedDockerfile('FROM x\n', 'Node.js 24')).toThrow(/platform\/Dockerfile/);
  });

  it('hashes paths and contents: one changed byte gives a new bundle id', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'lua'));
    writeFileSync(join(dir, 'lua', 'a.lua'), 'return 1');
    const before = treeHash(dir);
    expect(treeHash(dir)).toBe(before);
    writeFileSync(join(dir, 'lua', 'a.lua'), 'return 2');
    expect(treeHash(dir)).not.toBe(before);
    const copy = tempDir();
    cpSync(dir, copy, { recursive: true });
    expect(treeHash(copy)).toBe(treeHash(dir));
  });
});

describe('defaultStackDir', () => {
  it("is the checkout's compose/ from sources and the carried stack/ beside a bundle", () => {
    expect(defaultStackDir()).toBe(CHECKOUT_STACK_DIR);
    expect(defaultStackDir(pathToFileURL('/work/src/stack-definition.ts').href)).toBe(CHECKOUT_STACK_DIR);
    const bundle = pathToFileURL('/home/me/app/node_modules/relaybox/dist/relaybox.mjs').href;
    expect(defaultStackDir(bundle)).toBe('/home/me/app/node_modules/relaybox/dist/stack/');
  });
});
