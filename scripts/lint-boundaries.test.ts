import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The architecture's boundaries (docs/architecture.md#boundaries) are Biome `noRestrictedImports`
// overrides in biome.json. This lints files laid out like the repository, in a scratch copy with the
// repository's biome.json, and checks which imports each rule refuses and which it lets through.

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIOME = join(ROOT, 'node_modules', '.bin', 'biome');

/** Lints `files` (path → source) under the repository's biome.json; the lines it refused, by file. */
function refused(files: Record<string, string>): Record<string, number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'rb-boundaries-'));
  const config = JSON.parse(readFileSync(join(ROOT, 'biome.json'), 'utf8')) as Record<string, unknown>;
  delete config.$schema;
  writeFileSync(join(dir, 'biome.json'), JSON.stringify(config));
  for (const [path, source] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), source);
  }
  const result = spawnSync(BIOME, ['lint', '--reporter=github', '--max-diagnostics=none', '.'], {
    cwd: dir,
    encoding: 'utf8',
  });
  const lines: Record<string, number[]> = {};
  const diagnostic = /title=lint\/style\/noRestrictedImports,file=([^,]+),line=(\d+)/g;
  for (const [, file = '', line] of result.stdout.matchAll(diagnostic)) {
    const path = relative(dir, file);
    lines[path] = [...(lines[path] ?? []), Number(line)];
  }
  expect(result.status, result.stdout + result.stderr).toBe(Object.keys(lines).length > 0 ? 1 : 0);
  return lines;
}

const importsOf = (specifiers: string[]) =>
  `${specifiers.map((s, i) => `import * as m${i} from '${s}';`).join('\n')}\nexport const all = [${specifiers.map((_, i) => `m${i}`).join(', ')}];\n`;

describe('lint boundaries (biome.json noRestrictedImports)', () => {
  it('SDKs never import platform/, the desktop app, the dashboard or another package’s sources', () => {
    const file = 'sdk/client/src/violation.ts';
    const source = importsOf([
      '@relaybox/protocol',
      '@relaybox/core',
      '@relaybox/core/testing',
      '@relaybox/gateway',
      '../../../platform/adapters/src/index.js',
      '@relaybox/protocol/src/errors.js',
      './room.js',
    ]);
    // What ships is src/ without tests: tests may start a real gateway.
    const harness = importsOf(['@relaybox/gateway', '@relaybox/core/testing']);
    const files = {
      [file]: source,
      'sdk/react/test/browser-harness.ts': harness,
      'sdk/client/src/relay-box.int.test.ts': harness,
    };
    expect(refused(files)).toEqual({ [file]: [2, 3, 4, 5, 6] });
  });

  it('platform/core never imports adapters or native libraries', () => {
    const file = 'platform/core/src/violation.ts';
    const source = importsOf([
      '@relaybox/protocol',
      'node:crypto',
      'ioredis',
      'amqplib',
      'uWebSockets.js',
      'bullmq',
      '@relaybox/adapters',
      '../../adapters/src/redis/redis-history-store.js',
    ]);
    expect(refused({ [file]: source })).toEqual({ [file]: [3, 4, 5, 6, 7, 8] });
  });

  it('the console (desktop/src/renderer) never imports the orchestrator', () => {
    const file = 'desktop/src/renderer/lib/violation.ts';
    const source = importsOf(['@relaybox/protocol', 'react', '@relaybox/orchestrator', '@relaybox/gateway']);
    // The desktop main process may: the rule is the renderer's only.
    const main = 'desktop/src/main/allowed.ts';
    expect(refused({ [file]: source, [main]: importsOf(['@relaybox/orchestrator']) })).toEqual({
      [file]: [3, 4],
    });
  });

  it('the dashboard web app imports only the API’s public contract', () => {
    const file = 'dashboard/web/src/features/keys/api/violation.ts';
    const source = importsOf([
      '../../../../../api/src/contract.js',
      '../../../lib/api-client.js',
      '../api/keys.js',
      '../../../../../api/src/keys/key-store.js',
      '../../../../../api/src/config.js',
      'kysely',
    ]);
    expect(refused({ [file]: source })).toEqual({ [file]: [4, 5, 6] });
  });

  it('examples use only the published packages (their tests may start a gateway)', () => {
    const file = 'examples/chat/server/violation.ts';
    const source = importsOf([
      '@relaybox/rest',
      '@relaybox/react',
      './chat-server.js',
      '@relaybox/gateway',
      '../../../sdk/client/src/index.js',
      '@relaybox/client/src/relay-box.js',
    ]);
    const harness = 'examples/chat/test/chat-harness.ts';
    expect(refused({ [file]: source, [harness]: importsOf(['@relaybox/gateway']) })).toEqual({
      [file]: [4, 5, 6],
    });
  });
});
