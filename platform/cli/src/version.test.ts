import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const packageVersion: string = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
).version;

function capture() {
  let out = '';
  let err = '';
  const context = {
    out: (text: string) => {
      out += text;
    },
    err: (text: string) => {
      err += text;
    },
    env: {},
    cwd: process.cwd(),
    untilSignal: () => new Promise<never>(() => {}),
  };
  return { context, out: () => out, err: () => err };
}

describe('relaybox --version', () => {
  it.each([['--version'], ['-v']])(
    '%s prints the version of the package relaybox and exits 0',
    async (flag) => {
      const { context, out, err } = capture();
      expect(await runCli([flag], context)).toBe(0);
      expect(out()).toBe(`${packageVersion}\n`);
      expect(err()).toBe('');
    },
  );
});
