import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findDaemon } from '@relaybox/orchestrator';
import { afterEach, describe, expect, it } from 'vitest';
import { AppController, type QuitChoice, type ShellUi } from './app-controller.js';
import { chooseEngine } from './engine-choice.js';
import { FileSettingsStore } from './settings-store.js';
import { createStackLauncher } from './stack-launcher.js';
import type { TrayView } from './tray-view.js';

// The real child-process path: every test spawns `node platform/cli/bin/relaybox.mjs up --engine
// embedded` (the system Node.js on PATH) on a free port and attaches to the daemon it announces.
const CLI = fileURLToPath(new URL('../../../platform/cli/bin/relaybox.mjs', import.meta.url));

/** Records what the Electron side would have shown. */
function recordingUi(answer: QuitChoice) {
  const shown: string[] = [];
  const trays: TrayView[] = [];
  const asked: string[] = [];
  const errors: string[] = [];
  const failures: Array<{ message: string; lastLines: string[] }> = [];
  const ui: ShellUi = {
    showConsole: (url) => shown.push(url),
    updateTray: (view) => trays.push(view),
    confirmQuit: async (engine) => {
      asked.push(engine);
      return answer;
    },
    showError: (title, message) => errors.push(`${title}: ${message}`),
    showStackFailure: (message, lastLines) => failures.push({ message, lastLines }),
  };
  return { ui, shown, trays, asked, errors, failures };
}

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function controllerWith(answer: QuitChoice, port = 0) {
  const dir = await mkdtemp(join(tmpdir(), 'rb-desktop-'));
  const recorded = recordingUi(answer);
  const settings = new FileSettingsStore(join(dir, 'settings.json'));
  const controller = new AppController({
    launchStack: createStackLauncher({
      env: {},
      defaultCli: CLI,
      dir: join(dir, 'stack'),
      port,
      readyTimeoutMs: 60_000,
      stopGraceMs: 10_000,
    }),
    // `auto` as with no Docker engine (the docker path is main-bundle-docker.int.test.ts's).
    chooseEngine: (setting) =>
      chooseEngine(setting, async () => ({ ok: false, where: 'nowhere', error: 'ENOENT' })),
    settings,
    ui: recorded.ui,
    appInfo: { version: '0.1.0', platform: 'linux' },
  });
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  // Whatever a test leaves running is stopped (the answer only matters while asking).
  cleanups.push(() => controller.requestQuit());
  return { controller, dir, settings, ...recorded };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls `check` (bounded: 200 tries, 100 ms apart). */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('AppController (desktop main process logic, real `relaybox up` child process)', () => {
  it('spawns the stack, attaches to its daemon, opens the console and answers IPC', async () => {
    const { controller, shown, trays, errors, failures } = await controllerWith('stop');
    await controller.start();
    expect(errors).toEqual([]);
    expect(failures).toEqual([]);
    const pid = controller.stackPid!;
    expect(pid).not.toBe(process.pid);
    expect(isAlive(pid)).toBe(true);
    const consoleUrl = controller.consoleUrl()!;
    expect(shown).toEqual([consoleUrl]);
    expect(consoleUrl).toMatch(/^http:\/\/localhost:\d+\/console\/$/);
    expect(trays[0]?.statusLabel).toBe('Starting…');
    expect(trays.at(-1)).toMatchObject({ canOpenConsole: true, canStopStack: true, canRestart: true });
    expect(trays.at(-1)?.tooltip).toMatch(/^RelayBox \(embedded\): running, (\d+)\/\1 services up$/);

    const handlers = controller.handlers();
    const connection = await handlers['console:connection']();
    expect(connection.daemonUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // The child's daemon answers the console's origin with the secret the renderer got over IPC.
    const res = await fetch(`${connection.daemonUrl}/api/stack`, {
      headers: { authorization: `Bearer ${connection.secret}`, origin: controller.consoleOrigin! },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(controller.consoleOrigin);
    expect(((await res.json()) as { engine: string }).engine).toBe('embedded');
    expect((await fetch(new URL('/v1/health', consoleUrl))).status).toBe(200);
    expect(controller.isTrustedUrl(consoleUrl)).toBe(true);
    expect(controller.isTrustedUrl('https://evil.example/console/')).toBe(false);

    await expect(handlers['settings:set-engine']('docker')).resolves.toEqual({ engine: 'docker' });
    await expect(handlers['settings:get']()).resolves.toEqual({ engine: 'docker' });
    expect(await handlers['app:info']()).toEqual({
      version: '0.1.0',
      platform: 'linux',
      engine: 'embedded',
      engineReason:
        'the default: no Docker engine answers at nowhere (ENOENT), and the embedded engine needs none',
    });
  });

  it('asks before quitting, stops the child, and nothing keeps listening', async () => {
    const { controller, asked } = await controllerWith('stop');
    await controller.start();
    const pid = controller.stackPid!;
    const daemonUrl = controller.daemonUrl!;
    const origin = controller.consoleOrigin!;
    expect(await controller.requestQuit()).toBe(true);
    expect(asked).toEqual(['embedded']);
    expect(isAlive(pid)).toBe(false);
    await expect(fetch(`${daemonUrl}/api/stack`)).rejects.toThrow();
    await expect(fetch(`${origin}/v1/health`)).rejects.toThrow();
    expect(() => controller.handlers()['console:connection']()).toThrow(/stack_not_running/);
  });

  it('asks when quitting during the start, cancels the start and leaves no stack behind', async () => {
    const { controller, asked, dir, errors, failures, shown } = await controllerWith('stop');
    const starting = controller.start();
    expect(await controller.requestQuit()).toBe(true);
    await starting;
    expect(asked).toEqual(['embedded']);
    expect(errors).toEqual([]);
    expect(failures).toEqual([]);
    expect(controller.stackPid).toBeUndefined();
    expect(await findDaemon(join(dir, 'stack', '.relaybox'))).toBeUndefined();
    // Whatever was shown meanwhile, no stack answers now.
    for (const url of shown) await expect(fetch(new URL('/v1/health', url))).rejects.toThrow();
  });

  it('keeps everything running when the user cancels the quit; the tray can stop the stack', async () => {
    const { controller, asked, trays } = await controllerWith('cancel');
    await controller.start();
    const pid = controller.stackPid!;
    expect(await controller.requestQuit()).toBe(false);
    expect(isAlive(pid)).toBe(true);
    const { daemonUrl, secret } = await controller.handlers()['console:connection']();
    const res = await fetch(`${daemonUrl}/api/stack`, { headers: { authorization: `Bearer ${secret}` } });
    expect(res.status).toBe(200);
    await controller.stopStack();
    expect(isAlive(pid)).toBe(false);
    expect(trays.at(-1)).toMatchObject({ statusLabel: 'Stack stopped', canRestart: true });
    // Nothing runs any more: quitting does not ask again.
    expect(await controller.requestQuit()).toBe(true);
    expect(asked).toEqual(['embedded']);
  });

  it('shows a crashed child in the tray and the window, and "restart stack" respawns it', async () => {
    const { controller, failures, trays, shown } = await controllerWith('stop');
    await controller.start();
    const first = controller.stackPid!;
    process.kill(first, 'SIGKILL');
    await until(() => failures.length === 1, 'the crash to be reported');
    expect(failures[0]!.message).toBe('the stack process exited unexpectedly (signal SIGKILL)');
    expect(failures[0]!.lastLines.join('\n')).toContain('The embedded stack is healthy');
    expect(trays.at(-1)).toMatchObject({ canOpenConsole: false, canRestart: true });
    expect(trays.at(-1)?.tooltip).toContain('exited unexpectedly');
    expect(() => controller.handlers()['console:connection']()).toThrow(/stack_not_running/);

    await controller.restartStack();
    const second = controller.stackPid!;
    expect(second).not.toBe(first);
    expect(isAlive(second)).toBe(true);
    expect(shown).toHaveLength(2);
    const { daemonUrl, secret } = await controller.handlers()['console:connection']();
    const res = await fetch(`${daemonUrl}/api/stack`, { headers: { authorization: `Bearer ${secret}` } });
    expect(((await res.json()) as { state: string }).state).toBe('running');
    expect(failures).toHaveLength(1);
  });

  it("shows the child's last lines when the stack cannot start (port in use), with no process left", async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, resolve));
    cleanups.push(() => new Promise((resolve) => blocker.close(resolve)));
    const { port } = blocker.address() as { port: number };
    const { controller, failures, trays, shown, errors } = await controllerWith('stop', port);
    await controller.start();
    expect(errors).toEqual([]);
    expect(failures).toHaveLength(1);
    expect(failures[0]!.message).toMatch(/^the stack process exited \(code \d+\) before its daemon started$/);
    expect(failures[0]!.lastLines.join('\n')).toContain(String(port));
    expect(trays.at(-1)).toMatchObject({ canOpenConsole: false, canStopStack: false, canRestart: true });
    expect(shown).toEqual([]);
    expect(controller.stackPid).toBeUndefined();
    expect(() => controller.handlers()['console:connection']()).toThrow(/stack_not_running/);
    expect(await controller.requestQuit()).toBe(true);
  });

  it('says which Node.js to install when the configured one is missing or too old', async () => {
    const { controller, errors, dir, settings, failures } = await controllerWith('stop');
    const old = join(dir, 'old-node');
    await writeFile(old, '#!/bin/sh\necho v18.19.0\n', { mode: 0o755 });
    await settings.write({ engine: 'embedded', nodePath: old });
    await controller.start();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('RelayBox needs Node.js: ');
    expect(errors[0]).toContain(`"${old}" is v18.19.0`);
    expect(errors[0]).toContain('Install Node.js 20 LTS or newer');

    await settings.write({ engine: 'embedded', nodePath: join(dir, 'no-such-node') });
    await controller.restartStack();
    expect(errors).toHaveLength(2);
    expect(errors[1]).toContain('was not found');
    expect(errors[1]).toContain('RELAYBOX_NODE');
    expect(failures).toEqual([]);
    expect(controller.stackPid).toBeUndefined();
  });
});
