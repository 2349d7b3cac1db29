// What the stand-in `electron` executable runs (see ./electron): Electron's startup, minus Chromium.
// As Electron does, it sets `process.resourcesPath` to the `resources` folder beside the executable
// and starts the app found there, `app.asar` first, else `app/`, at its package.json `main`.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readAsarFile } from './asar-reader.mjs';

const executable = process.env.RB_STAND_IN_EXECUTABLE;
if (!executable) throw new Error('run the stand-in through its `electron` executable');
process.resourcesPath = join(dirname(executable), 'resources');
const asar = join(process.resourcesPath, 'app.asar');
const appDir = existsSync(asar) ? asar : join(process.resourcesPath, 'app');
const manifest = existsSync(asar)
  ? readAsarFile(asar, 'package.json')
  : readFileSync(join(appDir, 'package.json'));
const main = JSON.parse(manifest.toString('utf8')).main ?? 'index.js';
await import(pathToFileURL(join(appDir, main)).href);
