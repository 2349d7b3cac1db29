#!/usr/bin/env node
// Prints how long the built CLI (dist/relaybox.mjs, as installed from npm: it runs the stack it
// carries in dist/stack) takes from `up --engine docker` to its "RelayBox is up" line, then how long
// `down --volumes` takes. Build first (`pnpm --filter relaybox build`). The compose variables come
// from the environment, e.g. on the test machine:
//   RELAYBOX_DOCKER_NETWORK=host NODE_IMAGE=relaybox-test/node:24-trixie REDIS_IMAGE=relaybox-test/redis:7 \
//   RABBITMQ_IMAGE=relaybox-test/rabbitmq:3 NGINX_IMAGE=relaybox-test/nginx:1 \
//   RELAYBOX_PLATFORM_IMAGE=relaybox-test/platform:carried node platform/cli/scripts/measure-docker-up.mjs [runs] [port]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../dist/relaybox.mjs', import.meta.url));
const [runs = '2', port = '23600'] = process.argv.slice(2);

function measure(cwd, env) {
  const started = performance.now();
  const args = [BIN, 'up', '--engine', 'docker', '--gateways', '1', '--port', port, '--no-open'];
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve) => {
    const onData = (chunk) => {
      out += chunk;
      if (out.includes('RelayBox is up')) resolve((performance.now() - started) / 1000);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', () => resolve(Number.NaN));
  });
}

for (let i = 0; i < Number(runs); i++) {
  const cwd = mkdtempSync(join(tmpdir(), 'rb-measure-docker-'));
  const env = { ...process.env, RELAYBOX_STACK: `rb-measure-${process.pid}` };
  const up = await measure(cwd, env);
  // Asynchronously: `up` writes to a pipe this process must keep reading while it stops.
  const started = performance.now();
  const down = spawn(process.execPath, [BIN, 'down', '--engine', 'docker', '--volumes'], { cwd, env });
  await new Promise((resolve) => down.on('exit', resolve));
  const downSeconds = (performance.now() - started) / 1000;
  console.log(
    `docker up (carried stack, 1 gateway): ${up.toFixed(1)} s, down --volumes: ${downSeconds.toFixed(1)} s`,
  );
  rmSync(cwd, { recursive: true, force: true });
}
