#!/usr/bin/env node
// The `relaybox` command: runs the TypeScript CLI through tsx's loader, in this same process (so
// signals such as Ctrl-C reach it directly).
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
