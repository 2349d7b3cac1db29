#!/usr/bin/env node
// Prints how long `relaybox up` takes to its "RelayBox is up" line, cold (tsx transform cache off)
// and warm, then stops the stack with SIGINT. Usage: node platform/cli/scripts/measure-up.mjs [embedded|native] [runs]
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/relaybox.mjs', import.meta.url));
const [engine = 'embedded', runs = '2'] = process.argv.slice(2);

function measure(cold) {
  const cwd = mkdtempSync(join(tmpdir(), 'rb-measure-'));
  const args = [BIN, 'up', '--engine', engine, '--port', '0'];
  if (engine === 'native') args.push('--redis-prefix', 'measure-up:', '--amqp-exchange', 'measure.up');
  const env = { ...process.env, ...(cold ? { TSX_DISABLE_CACHE: '1' } : {}) };
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let seconds;
  return new Promise((resolve) => {
    const onData = (chunk) => {
      out += chunk;
      if (seconds === undefined && out.includes('RelayBox is up')) {
        seconds = (performance.now() - started) / 1000;
        child.kill('SIGINT');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', () => resolve(seconds ?? Number.NaN));
    setTimeout(() => child.kill('SIGKILL'), 120_000).unref();
  });
}

for (let i = 0; i < Number(runs); i++) {
  for (const cold of [true, false]) {
    const seconds = await measure(cold);
    console.log(`${engine} ${cold ? 'cold' : 'warm'}: ${seconds.toFixed(1)} s`);
  }
}
