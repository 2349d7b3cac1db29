// What the test suite needs from the machine, checked before anything runs (`npm test` calls it
// first; the integration tests' global setup calls it for the services). Each missing piece is
// installed (root + apt-get) and started where possible; what cannot be fixed is listed with the
// command that fixes it, and nothing runs. All checks are cheap, so a ready machine passes in well
// under a second. Plain JavaScript on purpose: it runs before the workspace is installed.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, openSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { delimiter, join } from 'node:path';

/** The real machine: PATH lookups, TCP probes, child processes. `path` replaces `$PATH` (tests). */
export function systemProbe({ path = process.env.PATH ?? '', log = (line) => console.log(line) } = {}) {
  return {
    isRoot: process.getuid?.() === 0,
    log,
    which: (command) => whichIn(path, command),
    portOpen,
    run(command, args, { timeoutMs = 120_000, cwd } = {}) {
      const env = { ...process.env, PATH: path, DEBIAN_FRONTEND: 'noninteractive' };
      const result = spawnSync(command, args, { cwd, env, timeout: timeoutMs, encoding: 'utf8' });
      return { status: result.status ?? 1, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
    },
    /** Starts a long-lived server in the background, its output appended to `logFile`. */
    spawnDetached(command, args, logFile) {
      const out = openSync(logFile, 'a');
      const env = { ...process.env, PATH: path };
      spawn(command, args, { detached: true, stdio: ['ignore', out, out], env }).unref();
    },
    listDir: (dir) => {
      try {
        return readdirSync(dir).sort();
      } catch {
        return [];
      }
    },
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}

/** Whether `command` is an executable file in one of the `path` directories. */
export function whichIn(path, command) {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // Not in this directory.
    }
  }
  return false;
}

function portOpen(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (open) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(1000);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/**
 * Checks every requirement in order and fixes what it can. Returns the pieces still missing
 * (`{ id, name, reason, fix }`), empty when the machine is ready.
 */
export async function preflight(requirements, probe) {
  const missing = [];
  const session = { aptUpdated: false };
  for (const requirement of requirements) {
    const blocker = requirement.needs?.find((id) => missing.some((m) => m.id === id));
    if (blocker) {
      missing.push(entry(requirement, `needs ${missing.find((m) => m.id === blocker).name} first`));
      continue;
    }
    if (await requirement.check(probe)) continue;
    const reason = await fix(requirement, probe, session);
    if (reason) missing.push(entry(requirement, reason));
  }
  return missing;
}

function entry(requirement, reason) {
  return { id: requirement.id, name: requirement.name, reason, fix: requirement.fix };
}

/** Installs and starts one requirement; returns why it is still missing, or undefined when fixed. */
async function fix(requirement, probe, session) {
  const absent = (requirement.commands ?? []).filter((command) => !probe.which(command));
  if (absent.length > 0) {
    if (!probe.isRoot || !probe.which('apt-get'))
      return `${absent.join(', ')} not installed (installing needs root and apt-get)`;
    const failed = aptInstall(requirement.packages, probe, session);
    if (failed) return failed;
    const still = absent.filter((command) => !probe.which(command));
    if (still.length > 0)
      return `apt-get installed ${requirement.packages.join(' ')} but not ${still.join(', ')}`;
    await requirement.afterInstall?.(probe);
  }
  if (requirement.start) {
    if (requirement.startNeedsRoot && !probe.isRoot) return 'not running (starting it needs root)';
    probe.log(`preflight: starting ${requirement.name}`);
    try {
      await requirement.start(probe);
    } catch (error) {
      return `could not be started: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  const timeoutMs = requirement.startTimeoutMs ?? 60_000;
  if (await waitFor(() => requirement.check(probe), timeoutMs, probe)) return undefined;
  return (await requirement.diagnose?.(probe)) ?? `still not available after ${timeoutMs / 1000} s`;
}

function aptInstall(packages, probe, session) {
  probe.log(`preflight: apt-get install ${packages.join(' ')}`);
  if (!session.aptUpdated) {
    probe.run('apt-get', ['update', '-qq'], { timeoutMs: 300_000 });
    session.aptUpdated = true;
  }
  const result = probe.run('apt-get', ['install', '-y', '-qq', ...packages], { timeoutMs: 900_000 });
  if (result.status === 0) return undefined;
  return `apt-get install ${packages.join(' ')} failed: ${result.output.trim().split('\n').slice(-3).join(' | ')}`;
}

/** Polls `check` every 500 ms until it holds or `timeoutMs` passed. */
export async function waitFor(check, timeoutMs, probe) {
  const deadline = probe.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (probe.now() >= deadline) return false;
    await probe.sleep(500);
  }
}

/** The report printed when something is missing: one line per piece, with its fix. */
export function formatMissing(missing, { isRoot }) {
  const lines = missing.map((m) => `  - ${m.name}: ${m.reason}\n      fix: ${m.fix}`);
  const hint = isRoot
    ? ''
    : '\nAs root on Debian or Ubuntu, `npm test` installs and starts these itself (.ci/run relies on that).\n';
  return `The tests need these and cannot run without them (nothing was run):\n${lines.join('\n')}\n${hint}`;
}
