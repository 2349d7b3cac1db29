// Module hooks of the Electron stand-in (node --import): `electron` resolves to the stand-in next to
// this file, and modules inside an asar archive load from it (electron-stand-in-loader.mjs).
import { register } from 'node:module';

register('./electron-stand-in-loader.mjs', import.meta.url);
