import type { us_listen_socket } from 'uWebSockets.js';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CorkAnchor } from './cork-anchor.js';
import { loadUws } from './load-uws.js';

const { uws } = loadUws();
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A server whose upgrades complete asynchronously through `anchor`, then greet from a deferred `open`. */
async function asyncUpgradeServer(anchor: CorkAnchor): Promise<number> {
  const app = uws.App();
  app.ws('/*', {
    upgrade: (res, req, context) => {
      const key = req.getHeader('sec-websocket-key');
      const protocol = req.getHeader('sec-websocket-protocol');
      const extensions = req.getHeader('sec-websocket-extensions');
      let aborted = false;
      res.onAborted(() => {
        aborted = true;
      });
      setTimeout(() => {
        if (!aborted) anchor.corkUpgrade(res, () => res.upgrade({}, key, protocol, extensions, context));
      }, 1);
    },
    open: (ws) => {
      setImmediate(() => ws.cork(() => ws.send('hello')));
    },
  });
  const socket = await new Promise<us_listen_socket | false>((resolve) =>
    app.listen('127.0.0.1', 0, resolve),
  );
  if (!socket) throw new Error('cannot listen');
  cleanups.push(() => uws.us_listen_socket_close(socket));
  return uws.us_socket_local_port(socket);
}

function greeting(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    ws.once('message', (data) => {
      ws.close();
      resolve(data.toString());
    });
    ws.once('close', (code) => reject(new Error(`closed ${code} before the greeting`)));
    ws.once('error', reject);
  });
}

describe('CorkAnchor', () => {
  it('completes async upgrades inside its own cork', async () => {
    const anchor = new CorkAnchor(uws);
    await anchor.open();
    cleanups.push(() => anchor.close());
    expect(anchor.isOpen).toBe(true);
    const port = await asyncUpgradeServer(anchor);
    for (let i = 0; i < 20; i++) expect(await greeting(port)).toBe('hello');
  });

  it('opens nothing when disabled (a build that does not need it)', async () => {
    const anchor = new CorkAnchor(uws, false);
    await anchor.open();
    expect(anchor.isOpen).toBe(false);
    expect(await greeting(await asyncUpgradeServer(anchor))).toBe('hello');
  });

  it('falls back to the response cork once closed', async () => {
    const anchor = new CorkAnchor(uws);
    await anchor.open();
    anchor.close();
    expect(anchor.isOpen).toBe(false);
    const port = await asyncUpgradeServer(anchor);
    expect(await greeting(port)).toBe('hello');
  });
});
