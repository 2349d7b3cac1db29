import { describe, expect, it } from 'vitest';
import { IPC_CHANNELS, type IpcHandlers } from '../shared/ipc.js';
import { type IpcEventLike, type IpcMainLike, registerIpcHandlers } from './ipc-handlers.js';

function fakeIpcMain() {
  const handlers = new Map<string, (event: IpcEventLike, ...args: unknown[]) => Promise<unknown>>();
  const ipc: IpcMainLike = {
    handle: (channel, listener) => handlers.set(channel, listener),
    removeHandler: (channel) => handlers.delete(channel),
  };
  return { ipc, handlers };
}

const handlers: IpcHandlers = {
  'console:connection': () => ({ daemonUrl: 'http://127.0.0.1:5', secret: 'sec' }),
  'app:info': () => ({
    version: '0.1.0',
    platform: 'linux',
    engine: 'embedded',
    engineReason: 'chosen in the settings (embedded)',
  }),
  'settings:get': () => ({ engine: 'embedded' }),
  'settings:set-engine': (engine) => {
    if (engine === 'docker')
      throw Object.assign(new Error('docker is not reachable'), { code: 'docker_unavailable' });
    return { engine };
  },
};

const trusted = (url: string) => new URL(url).origin === 'http://localhost:9000';
const fromConsole = { senderFrame: { url: 'http://localhost:9000/console/' } };

describe('registerIpcHandlers', () => {
  it('registers every channel and unregisters them all', () => {
    const { ipc, handlers: registered } = fakeIpcMain();
    const off = registerIpcHandlers(ipc, handlers, trusted);
    expect([...registered.keys()].sort()).toEqual([...IPC_CHANNELS].sort());
    off();
    expect(registered.size).toBe(0);
  });

  it('answers IpcResult values and maps thrown errors to {ok:false, error}', async () => {
    const { ipc, handlers: registered } = fakeIpcMain();
    registerIpcHandlers(ipc, handlers, trusted);
    await expect(registered.get('console:connection')!(fromConsole)).resolves.toEqual({
      ok: true,
      value: { daemonUrl: 'http://127.0.0.1:5', secret: 'sec' },
    });
    await expect(registered.get('settings:set-engine')!(fromConsole, 'docker')).resolves.toEqual({
      ok: false,
      error: { code: 'docker_unavailable', message: 'docker is not reachable' },
    });
  });

  it('refuses other frames and bad arguments before the handler runs', async () => {
    const { ipc, handlers: registered } = fakeIpcMain();
    registerIpcHandlers(ipc, handlers, trusted);
    const connection = registered.get('console:connection')!;
    for (const event of [{ senderFrame: { url: 'https://evil.example/' } }, { senderFrame: null }, {}]) {
      await expect(connection(event)).resolves.toMatchObject({
        ok: false,
        error: { code: 'forbidden_sender' },
      });
    }
    await expect(registered.get('settings:set-engine')!(fromConsole, 'k8s')).resolves.toMatchObject({
      ok: false,
      error: { code: 'invalid_argument' },
    });
  });
});
