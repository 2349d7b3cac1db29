import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerignoreFor, isExcluded, parseDockerignore } from './build-context.js';

describe('.dockerignore rules', () => {
  const rules = parseDockerignore(
    [
      '# comment',
      '.git',
      '**/test',
      'desktop/*',
      '!desktop/dist',
      'desktop/dist/*',
      '!desktop/dist/console',
      'node_modules/.pnpm/big*',
    ].join('\n'),
  );

  it('excludes matches and everything below them', () => {
    expect(isExcluded('.git/HEAD', rules)).toBe(true);
    expect(isExcluded('platform/gateway/test/a.ts', rules)).toBe(true);
    expect(isExcluded('node_modules/.pnpm/big@1/node_modules/big/x.js', rules)).toBe(true);
    expect(isExcluded('node_modules/.pnpm/small@1/node_modules/small/x.js', rules)).toBe(false);
  });

  it('re-includes with `!`, the last matching rule winning', () => {
    expect(isExcluded('desktop/src/main.ts', rules)).toBe(true);
    expect(isExcluded('desktop/dist/console/index.html', rules)).toBe(false);
    expect(isExcluded('desktop/dist/other/index.html', rules)).toBe(true);
  });
});

describe('which ignore file applies', () => {
  it('uses <dockerfile>.dockerignore when it exists, else the root .dockerignore', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rb-ctx-'));
    try {
      mkdirSync(join(dir, 'dashboard'));
      writeFileSync(join(dir, '.dockerignore'), 'dashboard\n');
      writeFileSync(join(dir, 'dashboard/Dockerfile.dockerignore'), '*\n!dashboard\n');
      expect(dockerignoreFor(dir, 'dashboard/Dockerfile')).toBe('dashboard/Dockerfile.dockerignore');
      expect(dockerignoreFor(dir, 'platform/Dockerfile')).toBe('.dockerignore');
      expect(dockerignoreFor(dir)).toBe('.dockerignore');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
