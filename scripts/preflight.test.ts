import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatMissing, type Probe, preflight, systemProbe, whichIn } from './preflight.mjs';
import { TEST_IMAGES, testRequirements } from './test-requirements.mjs';

const ROOT = '/repo';
const PACKAGES: Record<string, string[]> = {
  'redis-server': ['redis-server', 'redis-cli'],
  'rabbitmq-server': ['rabbitmq-server', 'rabbitmqctl'],
  postgresql: ['pg_ctlcluster', 'psql'],
  chromium: ['chromium'],
  'docker.io': ['docker', 'dockerd'],
  debootstrap: ['debootstrap'],
  'kubernetes-client': ['kubectl'],
};
const EVERYTHING = Object.values(PACKAGES).flat();

/**
 * A simulated machine: which commands are on its PATH, which ports answer, whether dockerd runs
 * and the images exist. Installing a package puts its commands on the PATH; starting a server
 * opens its port, unless the server is marked broken. Time only moves when the preflight sleeps.
 */
class Machine {
  commands = new Set<string>();
  ports = new Set<number>();
  dockerRunning = false;
  images = false;
  postgresTrust = true;
  broken = new Set<string>();
  aptFails = false;
  /** Major version of kubectl's kustomize (Debian 12's kubernetes-client 1.20 has v2). */
  kustomize = 5;
  clock = 0;
  readonly calls: string[] = [];
  readonly logs: string[] = [];

  constructor(
    public root: boolean,
    readonly apt = true,
  ) {}

  static ready(): Machine {
    const machine = new Machine(false);
    for (const command of EVERYTHING) machine.commands.add(command);
    for (const port of [6379, 5672, 5432]) machine.ports.add(port);
    machine.dockerRunning = true;
    machine.images = true;
    return machine;
  }

  probe(): Probe {
    return {
      isRoot: this.root,
      log: (line) => this.logs.push(line),
      which: (command) => this.commands.has(command) || (command === 'apt-get' && this.apt),
      portOpen: async (port) => this.ports.has(port),
      run: (command, args) => {
        this.calls.push([command, ...args].join(' '));
        return {
          status: this.exec(command, args),
          output:
            command === 'kubectl'
              ? `Client Version: v1.32.4\nKustomize Version: v${this.kustomize}.5.0`
              : this.aptFails
                ? 'E: Unable to locate package'
                : '',
        };
      },
      spawnDetached: (command, args) => {
        this.calls.push([command, ...args].join(' '));
        if (command === 'dockerd' && !this.broken.has('dockerd')) this.dockerRunning = true;
      },
      listDir: (dir) => (dir === '/etc/postgresql' && this.commands.has('pg_ctlcluster') ? ['15'] : []),
      now: () => this.clock,
      sleep: async (ms) => {
        this.clock += ms;
      },
    };
  }

  /** Only the invocations that change the machine (installs and starts), in order. */
  changes(): string[] {
    const reads =
      /^(docker (info|image inspect)|psql |mkdir |tail |apt-get update|rabbitmqctl |kubectl version)/;
    return this.calls.filter((call) => !reads.test(call));
  }

  private exec(command: string, args: string[]): number {
    const starts: Record<string, number> = {
      'redis-server': 6379,
      'rabbitmq-server': 5672,
      pg_ctlcluster: 5432,
    };
    if (command === 'apt-get' && args[0] === 'install') {
      if (this.aptFails) return 100;
      for (const name of args.slice(3)) for (const c of PACKAGES[name] ?? []) this.commands.add(c);
      return 0;
    }
    const port = starts[command];
    if (port !== undefined) {
      if (!this.broken.has(command)) this.ports.add(port);
      return 0;
    }
    if (command === 'psql') return this.postgresTrust ? 0 : 2;
    if (command === 'sed') this.postgresTrust = true;
    if (command === 'docker' && args[0] === 'info') return this.dockerRunning ? 0 : 1;
    if (command === 'docker') return this.images ? 0 : 1;
    if (command === join(ROOT, 'scripts', 'docker-test-images.sh')) {
      this.images = this.dockerRunning;
      return this.images ? 0 : 1;
    }
    return 0;
  }
}

const check = (machine: Machine) => preflight(testRequirements(ROOT), machine.probe());

describe('preflight of the test machine', () => {
  it('changes nothing on a machine that has everything', async () => {
    const machine = Machine.ready();
    expect(await check(machine)).toEqual([]);
    expect(machine.changes()).toEqual([]);
    expect(machine.logs).toEqual([]);
  });

  it('installs and starts everything on a fresh Debian machine as root, apt-get update once', async () => {
    const machine = new Machine(true);
    expect(await check(machine)).toEqual([]);
    expect(machine.calls.filter((call) => call.startsWith('apt-get update'))).toHaveLength(1);
    expect(machine.changes()).toEqual([
      'apt-get install -y -qq redis-server',
      expect.stringMatching(/^redis-server --daemonize yes --bind 127\.0\.0\.1 --port 6379/),
      'apt-get install -y -qq rabbitmq-server',
      'rabbitmq-server -detached',
      'apt-get install -y -qq postgresql',
      expect.stringMatching(/^sed -i 1i local all all trust.* \/etc\/postgresql\/15\/main\/pg_hba\.conf$/),
      'pg_ctlcluster --skip-systemctl-redirect 15 main start',
      'apt-get install -y -qq chromium',
      'apt-get install -y -qq kubernetes-client',
      'apt-get install -y -qq docker.io',
      'dockerd --bridge=none --iptables=false --ip-masq=false',
      'apt-get install -y -qq debootstrap',
      '/repo/scripts/docker-test-images.sh',
    ]);
    // Idempotent: a second run finds everything and changes nothing more.
    const before = machine.changes().length;
    expect(await check(machine)).toEqual([]);
    expect(machine.changes()).toHaveLength(before);
  });

  it('refuses a kubectl whose kustomize is too old for the overlays, naming the fix', async () => {
    const machine = Machine.ready();
    machine.kustomize = 2;
    const missing = await check(machine);
    expect(missing).toEqual([
      expect.objectContaining({
        id: 'kubectl',
        reason: expect.stringContaining('kustomize is v2'),
        fix: expect.stringContaining('kubectl 1.21 or newer'),
      }),
    ]);
  });

  it('without root lists every missing piece with its fix and installs or starts nothing', async () => {
    const machine = new Machine(false);
    const missing = await check(machine);
    expect(missing.map((m) => m.id)).toEqual([
      'redis',
      'rabbitmq',
      'postgres',
      'chromium',
      'kubectl',
      'docker',
      'images',
    ]);
    expect(missing[0]).toMatchObject({
      reason: 'redis-server, redis-cli not installed (installing needs root and apt-get)',
      fix: expect.stringContaining('apt-get install -y redis-server'),
    });
    expect(missing[6]?.reason).toBe('needs a reachable Docker engine (docker-engine tests) first');
    expect(machine.changes()).toEqual([]);
    const report = formatMissing(missing, { isRoot: false });
    for (const m of missing) expect(report).toContain(`  - ${m.name}: ${m.reason}\n      fix: ${m.fix}`);
    expect(report).toMatch(/nothing was run/);
    expect(report).toMatch(/As root on Debian or Ubuntu, `npm test` installs and starts these itself/);
  });

  it('starts installed services without root where it can, and says which need root', async () => {
    const machine = Machine.ready();
    machine.ports.clear();
    machine.dockerRunning = false;
    const missing = await check(machine);
    expect(machine.ports).toEqual(new Set([6379, 5672]));
    expect(missing.map((m) => [m.id, m.reason])).toEqual([
      ['postgres', 'not running (starting it needs root)'],
      ['docker', 'not running (starting it needs root)'],
      ['images', 'needs a reachable Docker engine (docker-engine tests) first'],
    ]);
  });

  it('gives up on a server that does not come up, after a bounded wait', async () => {
    const machine = Machine.ready();
    machine.ports.delete(6379);
    machine.broken.add('redis-server');
    const missing = await check(machine);
    expect(missing).toEqual([
      expect.objectContaining({ id: 'redis', reason: 'still not available after 60 s' }),
    ]);
    expect(machine.clock).toBeGreaterThanOrEqual(60_000);
    expect(machine.clock).toBeLessThan(61_000);
  });

  it('names the cause when dockerd does not answer or PostgreSQL wants a password', async () => {
    const machine = Machine.ready();
    machine.dockerRunning = false;
    machine.broken.add('dockerd');
    machine.postgresTrust = false;
    const missing = await check(machine);
    expect(missing.map((m) => [m.id, m.reason])).toEqual([
      ['postgres', 'not running (starting it needs root)'],
      ['docker', 'not running (starting it needs root)'],
      ['images', 'needs a reachable Docker engine (docker-engine tests) first'],
    ]);
    machine.root = true;
    const rootMissing = await check(machine);
    expect(rootMissing.map((m) => [m.id, m.reason])).toEqual([
      ['postgres', 'refuses user postgres without a password: the tests need trust auth on 127.0.0.1'],
      ['docker', expect.stringMatching(/^dockerd did not answer: /)],
      ['images', 'needs a reachable Docker engine (docker-engine tests) first'],
    ]);
  });

  it('reports a failed apt-get install with its output', async () => {
    const machine = Machine.ready();
    machine.commands.delete('chromium');
    machine.aptFails = true;
    machine.root = true;
    const missing = await check(machine);
    expect(missing).toEqual([
      expect.objectContaining({
        id: 'chromium',
        reason: 'apt-get install chromium failed: E: Unable to locate package',
      }),
    ]);
  });

  it('checks every base image the docker tests use', () => {
    const images = testRequirements(ROOT).find((r) => r.id === 'images');
    expect(images?.name).toContain(TEST_IMAGES.join(', '));
    expect(TEST_IMAGES).toContain('relaybox-test/node:20');
  });
});

describe('systemProbe', () => {
  it('finds only executables, and only in the PATH it is given', () => {
    const bin = mkdtempSync(join(tmpdir(), 'rb-preflight-'));
    writeFileSync(join(bin, 'chromium'), '#!/bin/sh\n');
    chmodSync(join(bin, 'chromium'), 0o755);
    writeFileSync(join(bin, 'redis-server'), 'not executable');
    expect(whichIn(bin, 'chromium')).toBe(true);
    expect(whichIn(bin, 'redis-server')).toBe(false);
    const probe = systemProbe({ path: `${mkdtempSync(join(tmpdir(), 'rb-empty-'))}`, log: () => {} });
    expect(probe.which('chromium')).toBe(false);
    expect(probe.which('node')).toBe(false);
    expect(systemProbe({ path: bin }).which('chromium')).toBe(true);
  });

  it('a machine with an empty PATH is reported missing everything, nothing attempted', async () => {
    const probe = systemProbe({ path: mkdtempSync(join(tmpdir(), 'rb-empty-')), log: () => {} });
    // Only the PATH-based requirements: the services may well be running on this machine.
    const requirements = testRequirements(ROOT).filter((r) => ['chromium', 'docker'].includes(r.id));
    const missing = await preflight(requirements, { ...probe, isRoot: false });
    expect(missing.map((m) => m.id)).toEqual(['chromium', 'docker']);
    expect(missing[0]?.reason).toBe('chromium not installed (installing needs root and apt-get)');
  });
});
