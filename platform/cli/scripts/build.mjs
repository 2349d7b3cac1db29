#!/usr/bin/env node
// Builds the npm package `relaybox` (this folder) into dist/: the console when it is stale, then the
// bundle (scripts/bundle-cli.mjs). Runs as `pnpm --filter relaybox build` and before every pack/publish.
import { fileURLToPath } from 'node:url';
import { ensureConsoleBuilt } from '../../../scripts/build-console.mjs';
import { bundleCli } from './bundle-cli.mjs';

const out = fileURLToPath(new URL('../dist', import.meta.url));
if (ensureConsoleBuilt({ quiet: true }) !== 0) process.exit(1);
const stack = await bundleCli(out);
console.log(
  `built ${out} (relaybox.mjs, gateway.mjs, lua/, console/; stack/ for the docker engine: ${stack.carried})`,
);
