import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeEnvFile, parseEnvFile, withProjectEnv } from './dotenv-file.js';

describe('parseEnvFile', () => {
  it('reads KEY=value lines: export prefix, quotes, comments, last one wins', () => {
    const text = [
      '# a comment',
      'PLAIN=one',
      'export EXPORTED=two',
      'DOUBLE="three # not a comment"',
      "SINGLE='four'",
      'INLINE=five # a comment',
      '  SPACED = six  ',
      'EMPTY=',
      'not a line',
      'PLAIN=seven',
    ].join('\n');
    expect(Object.fromEntries(parseEnvFile(text))).toEqual({
      PLAIN: 'seven',
      EXPORTED: 'two',
      DOUBLE: 'three # not a comment',
      SINGLE: 'four',
      INLINE: 'five',
      SPACED: 'six',
      EMPTY: '',
    });
  });
});

describe('mergeEnvFile', () => {
  const values = { RELAYBOX_URL: 'http://localhost:9000', RELAYBOX_API_KEY: 'dev.default:abc' };

  it('writes a new file', () => {
    expect(mergeEnvFile('', values, false)).toEqual({
      text: 'RELAYBOX_URL=http://localhost:9000\nRELAYBOX_API_KEY=dev.default:abc\n',
      written: ['RELAYBOX_URL', 'RELAYBOX_API_KEY'],
      kept: [],
    });
  });

  it('appends to an existing file and leaves its lines as they were', () => {
    const before = '# my app\nDATABASE_URL="postgres://x y"\nPORT=3000';
    const merged = mergeEnvFile(before, values, false);
    expect(merged.text).toBe(
      `${before}\nRELAYBOX_URL=http://localhost:9000\nRELAYBOX_API_KEY=dev.default:abc\n`,
    );
    expect(merged.written).toEqual(['RELAYBOX_URL', 'RELAYBOX_API_KEY']);
  });

  it('keeps a value the file already has unless forced, then rewrites that line in place', () => {
    const before = 'A=1\nRELAYBOX_API_KEY=prod.backend:secret\nB=2\n';
    const kept = mergeEnvFile(before, values, false);
    expect(kept.kept).toEqual(['RELAYBOX_API_KEY']);
    expect(kept.written).toEqual(['RELAYBOX_URL']);
    expect(parseEnvFile(kept.text).get('RELAYBOX_API_KEY')).toBe('prod.backend:secret');

    const forced = mergeEnvFile(before, values, true);
    expect(forced.kept).toEqual([]);
    expect(forced.text).toBe(
      'A=1\nRELAYBOX_API_KEY=dev.default:abc\nB=2\nRELAYBOX_URL=http://localhost:9000\n',
    );
  });

  it('reports nothing for values already equal, and is stable when run twice', () => {
    const once = mergeEnvFile('X=1\n', values, false);
    const twice = mergeEnvFile(once.text, values, false);
    expect(twice).toEqual({ text: once.text, written: [], kept: [] });
  });

  it('quotes values a reader would otherwise cut or change', () => {
    const values = { K: 'a b #c', Q: 'say "hi"', S: "it's" };
    const merged = mergeEnvFile('', values, false);
    expect(merged.text).toBe(`K='a b #c'\nQ='say "hi"'\nS="it's"\n`);
    expect(Object.fromEntries(parseEnvFile(merged.text))).toEqual(values);
    expect(() => mergeEnvFile('', { N: 'two\nlines' }, false)).toThrow(/cannot write/);
  });
});

describe('withProjectEnv', () => {
  it("adds the RELAYBOX_* variables of <cwd>/.env under the process's own", () => {
    const cwd = mkdtempSync(join(tmpdir(), 'rb-dotenv-'));
    writeFileSync(join(cwd, '.env'), 'RELAYBOX_DEV_API_KEY=dev.default:fromfile\nRELAYBOX_PORT=1\nOTHER=x\n');
    expect(withProjectEnv(cwd, { RELAYBOX_PORT: '2', PATH: '/bin' })).toEqual({
      RELAYBOX_DEV_API_KEY: 'dev.default:fromfile',
      RELAYBOX_PORT: '2',
      PATH: '/bin',
    });
  });

  it('returns the environment unchanged without a .env', () => {
    const env = { A: '1' };
    expect(withProjectEnv(mkdtempSync(join(tmpdir(), 'rb-dotenv-')), env)).toBe(env);
  });
});
