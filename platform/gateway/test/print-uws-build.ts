// Prints which uWebSockets.js build this Node.js loads (run by runtime-matrix.int.test.ts in containers).
import { loadUws } from '../src/uws/load-uws.js';

const { build, binary } = loadUws();
process.stdout.write(`${JSON.stringify({ node: process.version, version: build.version, binary })}\n`);
