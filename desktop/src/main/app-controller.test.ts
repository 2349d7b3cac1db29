import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedEngine, type Engine, startDaemon } from '@relaybox/orchestrator';
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineChoice } from '../shared/ipc.js';
import { AppController, type QuitChoice, type ShellUi } from './app-controller.js';
import { FileSettingsStore } from './settings-store.js';
import type { TrayView } from './tray-view.js';

/** Records what the Electron side would have shown. */
function recordingUi(answer: QuitChoice) {
  const shown: string[] = [];
  const trays: TrayView[] = [];
  const asked: Array<{ engine: string; canKeepRunning: boolean }> = [];
  const errors: string[] = [];
  const ui: ShellUi = {
    showConsole: (url) => shown.push(url),
    updateTray: (view) => trays.push(view),
    confirmQuit: async (engine, canKeepRunning) => {
      asked.push({ engine, canKeepRunning });
      return answer;
    },
    showError: (title, message) => errors.push(`${title}: ${message}`),
  };
  return { ui, shown, trays, asked, errors };
}

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function controllerWith(answer: QuitChoice) {
  const dir = await mkdtemp(join(tmpdir(), 'rb-desktop-'));
  const engines: Engine[] = [];
  const created: EngineChoice[] = [];
  const recorded = recordingUi(answer);
  const controller = new AppController({
    createEngine: (choice) => {
      created.push(choice);
      const engine = new EmbeddedEngine({ dataDir: join(dir, 'stack') });
      engines.push(engine);
      return engine;
    },
    startDaemon,
    settings: new FileSettingsStore(join(dir, 'settings.json')),
    ui: recorded.ui,
    appInfo: { version: '0.1.0', platform: 'linux' },
    upOptions: { port: 0 },
  });
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  cleanups.push(async () => {
    for (const engine of engines) await engine.down();
  });
  return { controller, engines, created, dir, ...recorded };
}

describe('AppController (desktop main process logic, real embedded stack and daemon)', () => {
  it('starts the stack and the daemon, opens the console and answers IPC', async () => {
    const { controller, shown, trays, created, errors } = await controllerWith('stop');
    await controller.start();
    cleanups.push(() => controller.requestQuit());
    expect(errors).toEqual([]);
    expect(created).toEqual(['embedded']);
    const consoleUrl = controller.consoleUrl()!;
    expect(shown).toEqual([consoleUrl]);
    expect(consoleUrl).toMatch(/^http:\/\/localhost:\d+\/console\/$/);
    expect(trays.at(-1)).toMatchObject({ canOpenConsole: true, canStopStack: true });
    expect(trays.at(-1)?.tooltip).toContain('running');

    const handlers = controller.handlers();
    const connection = await handlers['console:connection']();
    expect(connection.daemonUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // The daemon answers the console's origin with the secret the renderer got over IPC.
    const res = await fetch(`${connection.daemonUrl}/api/stack`, {
      headers: { authorization: `Bearer ${connection.secret}`, origin: controller.consoleOrigin! },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(controller.consoleOrigin);
    expect(controller.isTrustedUrl(consoleUrl)).toBe(true);
    expect(controller.isTrustedUrl('https://evil.example/console/')).toBe(false);

    await expect(handlers['settings:set-engine']('docker')).resolves.toEqual({ engine: 'docker' });
    await expect(handlers['settings:get']()).resolves.toEqual({ engine: 'docker' });
    expect(await handlers['app:info']()).toEqual({ version: '0.1.0', platform: 'linux', engine: 'embedded' });
  });

  it('asks before quitting and stops the stack it started', async () => {
    const { controller, asked, engines } = await controllerWith('stop');
    await controller.start();
    const daemonUrl = controller.daemonUrl!;
    expect(await controller.requestQuit()).toBe(true);
    expect(asked).toEqual([{ engine: 'embedded', canKeepRunning: false }]);
    expect((await engines[0]!.status()).state).toBe('stopped');
    await expect(fetch(`${daemonUrl}/api/stack`)).rejects.toThrow();
  });

  it('keeps everything running when the user cancels the quit', async () => {
    const { controller, engines } = await controllerWith('cancel');
    await controller.start();
    expect(await controller.requestQuit()).toBe(false);
    expect((await engines[0]!.status()).state).toBe('running');
    const { daemonUrl, secret } = await controller.handlers()['console:connection']();
    const res = await fetch(`${daemonUrl}/api/stack`, { headers: { authorization: `Bearer ${secret}` } });
    expect(res.status).toBe(200);
    // Stopping from the tray updates it, and a later quit no longer asks.
    await controller.stopStack();
    expect((await engines[0]!.status()).state).toBe('stopped');
    expect(await controller.requestQuit()).toBe(true);
  });

  it('shows the failure in the tray and a dialog when the stack cannot start', async () => {
    const { controller, errors, trays, shown, dir } = await controllerWith('stop');
    const blocker = new EmbeddedEngine({ dataDir: join(dir, 'blocker') });
    const { status } = await blocker.up({ port: 0 });
    cleanups.push(() => blocker.down());
    (controller as unknown as { deps: { upOptions: object } }).deps.upOptions = {
      port: Number(new URL(status.endpoints.origin).port),
    };
    await controller.start();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/could not start the stack/);
    expect(trays.at(-1)).toMatchObject({ canOpenConsole: false, canStopStack: false });
    expect(shown).toEqual([]);
    expect(() => controller.handlers()['console:connection']()).toThrow(/stack_not_running/);
    expect(await controller.requestQuit()).toBe(true);
  });
});
