import { describe, expect, it } from 'vitest';
import { IpcError } from '../shared/ipc.js';
import { createPreloadApi, type IpcRendererLike } from './preload-api.js';

/** A stand-in for Electron's ipcRenderer that records what would reach the main process. */
function fakeIpcRenderer(reply: (channel: string, args: unknown[]) => unknown) {
  const calls: Array<{ channel: string; args: unknown[] }> = [];
  const ipc: IpcRendererLike = {
    invoke: async (channel, ...args) => {
      calls.push({ channel, args });
      return reply(channel, args);
    },
  };
  return { ipc, calls };
}

describe('preload API (window.relaybox)', () => {
  it('exposes exactly one frozen function, invoke', () => {
    const api = createPreloadApi(fakeIpcRenderer(() => undefined).ipc);
    expect(Object.keys(api)).toEqual(['invoke']);
    expect(Object.getOwnPropertyNames(api)).toEqual(['invoke']);
    expect(typeof api.invoke).toBe('function');
    expect(Object.isFrozen(api)).toBe(true);
  });

  it('rejects channels outside the IPC map without reaching the main process', async () => {
    const { ipc, calls } = fakeIpcRenderer(() => ({ ok: true, value: 'pwned' }));
    const api = createPreloadApi(ipc);
    for (const channel of [
      'shell:exec',
      'ELECTRON_BROWSER_REQUIRE',
      '',
      '__proto__',
      'console:connection ',
    ]) {
      const attempt = (api.invoke as (c: string) => Promise<unknown>)(channel);
      await expect(attempt).rejects.toBeInstanceOf(IpcError);
      await expect(attempt).rejects.toMatchObject({ code: 'unknown_channel' });
    }
    await expect(
      (api.invoke as (c: unknown) => Promise<unknown>)({ toString: () => 'app:info' }),
    ).rejects.toThrow(/not in the IPC map/);
    expect(calls).toEqual([]);
  });

  it('forwards map channels and unwraps their results, rethrowing failures typed', async () => {
    const { ipc, calls } = fakeIpcRenderer((channel) =>
      channel === 'console:connection'
        ? { ok: true, value: { daemonUrl: 'http://127.0.0.1:1234', secret: 's' } }
        : { ok: false, error: { code: 'invalid_argument', message: 'bad engine' } },
    );
    const api = createPreloadApi(ipc);
    await expect(api.invoke('console:connection')).resolves.toEqual({
      daemonUrl: 'http://127.0.0.1:1234',
      secret: 's',
    });
    await expect(api.invoke('settings:set-engine', 'docker')).rejects.toMatchObject({
      name: 'IpcError',
      code: 'invalid_argument',
    });
    expect(calls).toEqual([
      { channel: 'console:connection', args: [] },
      { channel: 'settings:set-engine', args: ['docker'] },
    ]);
  });
});
