import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

// `yaml` is a dependency of the orchestrator, not (yet) of the desktop package: load it from there.
const { parse } = createRequire(new URL('../../../platform/orchestrator/package.json', import.meta.url))(
  'yaml',
) as { parse(text: string): unknown };

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');

interface BuilderConfig {
  appId: string;
  electronVersion: string;
  beforeBuild: string;
  directories: { app: string; output: string };
  files: string[];
  extraResources: Array<{ from: string; to: string }>;
  linux: { target: string[]; executableName: string };
  mac: { target: string[] };
  win: { target: string[] };
}

/** Whether a file (relative to the app dir) is packed by the `files` globs used here (`dir/**\/*`, `!**\/*.x`). */
function packed(files: string[], file: string): boolean {
  let included = false;
  for (const pattern of files) {
    const negated = pattern.startsWith('!');
    const glob = negated ? pattern.slice(1) : pattern;
    const matches =
      glob === file ||
      (glob.endsWith('/**/*') && file.startsWith(glob.slice(0, -'**/*'.length))) ||
      (glob.startsWith('**/*.') && file.endsWith(glob.slice('**/*'.length)));
    if (matches) included = !negated;
  }
  return included;
}

describe('electron-builder.yml', () => {
  const config = parse(read('electron-builder.yml')) as BuilderConfig;

  it('parses and names the app and the Linux, macOS and Windows targets', () => {
    expect(config.appId).toBe('dev.relaybox.desktop');
    expect(config.directories.app).toBe('desktop');
    expect(config.linux.target).toEqual(expect.arrayContaining(['AppImage', 'deb']));
    expect(config.mac.target).toContain('dmg');
    expect(config.win.target).toContain('nsis');
  });

  it('packs exactly the files the desktop build produces', () => {
    const script = read('desktop/scripts/build-main.mjs');
    const outputs = [...script.matchAll(/outfile: '([^']+)'/g)].map((m) => m[1]!);
    expect(outputs).toEqual(['dist/main/main.js', 'dist/preload/preload.cjs']);
    const desktop = JSON.parse(read('desktop/package.json')) as {
      main: string;
      scripts: Record<string, string>;
    };
    expect(desktop.main).toBe('dist/main/main.js');
    expect(desktop.scripts.build).toContain('build:main');
    for (const file of [...outputs, 'package.json', 'dist/console/index.html']) {
      expect(packed(config.files, file), file).toBe(true);
    }
    for (const file of [
      'dist/main/main.js.map',
      'src/main/main.ts',
      'node_modules/react/index.js',
      'dist/cli/relaybox.mjs',
    ]) {
      expect(packed(config.files, file), file).toBe(false);
    }
  });

  it('ships the CLI bundle at <resources>/cli (with the docker stack), its node_modules as an entry of its own', () => {
    const script = read('desktop/scripts/build-cli.mjs');
    expect(script).toContain("join(desktop, 'dist/cli')");
    expect(JSON.parse(read('desktop/package.json')).scripts.build).toContain('build:cli');
    // The app's default CLI path in a packaged app (main.ts) is <resources>/cli/relaybox.mjs.
    // Exactly these: the checkout's compose/ is not shipped (the docker engine builds from the stack
    // the CLI bundle carries, dist/cli/stack, which the first entry copies to <resources>/cli/stack).
    expect(config.extraResources).toEqual([
      { from: 'desktop/dist/cli', to: 'cli' },
      // electron-builder drops a node_modules directly under `from`, so uWebSockets.js needs this.
      { from: 'desktop/dist/cli/node_modules', to: 'cli/node_modules' },
    ]);
    // main.ts runs the docker engine on that folder in a packaged app.
    expect(read('desktop/src/main/main.ts')).toContain("join(process.resourcesPath, 'cli', 'stack')");
  });

  it("names the desktop package's Electron version (electron-builder looks for it at the repository root)", () => {
    const desktop = JSON.parse(read('desktop/package.json')) as { devDependencies: Record<string, string> };
    expect(config.electronVersion).toBe(desktop.devDependencies.electron);
  });

  it('leaves node_modules out (a beforeBuild hook that resolves false) and names the Linux executable', async () => {
    expect(config.beforeBuild).toBe('./desktop/scripts/electron-builder-before-build.mjs');
    const hook = (await import('../../scripts/electron-builder-before-build.mjs')) as {
      default: () => Promise<boolean>;
    };
    await expect(hook.default()).resolves.toBe(false);
    // electron-builder consults beforeBuild only while npmRebuild is not false.
    expect(read('electron-builder.yml')).not.toMatch(/^npmRebuild: false/m);
    // Not `relaybox`, the CLI's command.
    expect(config.linux.executableName).toBe('relaybox-desktop');
  });
});
