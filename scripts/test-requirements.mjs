// What the test suite needs from the machine (see preflight.mjs for how they are checked and
// fixed). Every integration test runs against these for real; none is skipped when one is absent,
// so the run stops before it starts instead.
import { join } from 'node:path';

export const TEST_IMAGES = [
  'relaybox-test/base:bookworm',
  'relaybox-test/redis:7',
  'relaybox-test/rabbitmq:3',
  'relaybox-test/nginx:1',
  'relaybox-test/postgres:15',
  'relaybox-test/node:20',
  'relaybox-test/base:trixie',
  'relaybox-test/node:22-trixie',
  'relaybox-test/node:24-trixie',
];

const DOCKERD_ARGS = ['--bridge=none', '--iptables=false', '--ip-masq=false'];
const DOCKERD_LOG = '/var/log/relaybox-dockerd.log';
const REDIS_DIR = '/tmp/relaybox-redis';

/** Whether user postgres may log in over TCP without a password (trust), as the tests do. */
function postgresTrusts(probe) {
  if (!probe.which('psql')) return true;
  const args = ['-h', '127.0.0.1', '-U', 'postgres', '-w', '-d', 'postgres', '-tAc', 'select 1'];
  return probe.run('psql', args, { timeoutMs: 10_000 }).status === 0;
}

/** The major version of the kustomize built into kubectl (`Kustomize Version: v5.5.0`), 0 if unknown. */
function kustomizeMajor(probe) {
  const out = probe.run('kubectl', ['version', '--client'], { timeoutMs: 10_000 }).output;
  return Number(/Kustomize Version: v(\d+)/.exec(out)?.[1] ?? 0);
}

const postgresCluster = (probe) => probe.listDir('/etc/postgresql').at(-1);

/** @param {string} root the repository (for scripts/docker-test-images.sh) */
export function testRequirements(root) {
  return [
    {
      id: 'redis',
      name: 'Redis on 127.0.0.1:6379, and redis-server/redis-cli for the Redis Cluster tests',
      check: (probe) => probe.portOpen(6379),
      // The Redis Cluster tests start their own cluster nodes and create it with redis-cli.
      commands: ['redis-server', 'redis-cli'],
      packages: ['redis-server'],
      start(probe) {
        probe.run('mkdir', ['-p', REDIS_DIR]);
        const args = ['--daemonize', 'yes', '--bind', '127.0.0.1', '--port', '6379', '--save', ''];
        const status = probe.run('redis-server', [
          ...args,
          ...['--appendonly', 'no', '--dir', REDIS_DIR, '--logfile', `${REDIS_DIR}/redis.log`],
        ]).status;
        if (status !== 0) throw new Error(`redis-server exited with ${status} (see ${REDIS_DIR}/redis.log)`);
      },
      fix: 'sudo apt-get install -y redis-server && redis-server --daemonize yes (macOS: brew install redis && brew services start redis)',
    },
    {
      id: 'rabbitmq',
      name: 'RabbitMQ on 127.0.0.1:5672 (guest/guest) and rabbitmqctl',
      check: async (probe) => probe.which('rabbitmqctl') && (await probe.portOpen(5672)),
      commands: ['rabbitmq-server', 'rabbitmqctl'],
      packages: ['rabbitmq-server'],
      startTimeoutMs: 120_000,
      async start(probe) {
        if (await probe.portOpen(5672)) return;
        probe.run('rabbitmq-server', ['-detached']);
        // The broker-drop tests drive the node with rabbitmqctl: wait until it answers too.
        probe.run('rabbitmqctl', ['--timeout', '120', 'await_startup'], { timeoutMs: 130_000 });
      },
      fix: 'sudo apt-get install -y rabbitmq-server && sudo rabbitmq-server -detached (macOS: brew install rabbitmq && brew services start rabbitmq)',
    },
    {
      id: 'postgres',
      name: 'PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth)',
      check: async (probe) => (await probe.portOpen(5432)) && postgresTrusts(probe),
      commands: ['pg_ctlcluster', 'psql'],
      packages: ['postgresql'],
      startNeedsRoot: true,
      // A cluster this run installed is a test database server: let user postgres in without a
      // password on this machine only (first matching line of pg_hba.conf wins).
      afterInstall(probe) {
        const cluster = postgresCluster(probe);
        if (!cluster) return;
        const hba = `/etc/postgresql/${cluster}/main/pg_hba.conf`;
        const lines = 'local all all trust\\nhost all all 127.0.0.1/32 trust\\nhost all all ::1/128 trust';
        probe.run('sed', ['-i', `1i ${lines}`, hba]);
      },
      async start(probe) {
        const cluster = postgresCluster(probe);
        if (!cluster) throw new Error('no cluster in /etc/postgresql');
        const action = (await probe.portOpen(5432)) ? 'reload' : 'start';
        const result = probe.run('pg_ctlcluster', ['--skip-systemctl-redirect', cluster, 'main', action]);
        if (result.status !== 0) throw new Error(result.output.trim().split('\n').slice(-2).join(' | '));
      },
      async diagnose(probe) {
        if (!(await probe.portOpen(5432))) return undefined;
        return 'refuses user postgres without a password: the tests need trust auth on 127.0.0.1';
      },
      fix: 'sudo apt-get install -y postgresql && sudo pg_ctlcluster <version> main start, with "host all all 127.0.0.1/32 trust" first in pg_hba.conf',
    },
    {
      id: 'chromium',
      name: 'Chromium (`chromium` on the PATH, for the browser tests)',
      check: (probe) => probe.which('chromium'),
      commands: ['chromium'],
      packages: ['chromium'],
      fix: 'sudo apt-get install -y chromium',
    },
    {
      id: 'kubectl',
      name: 'kubectl with kustomize v4 or newer (renders the Kubernetes overlays)',
      check: (probe) => probe.which('kubectl') && kustomizeMajor(probe) >= 4,
      commands: ['kubectl'],
      packages: ['kubernetes-client'],
      diagnose: (probe) =>
        probe.which('kubectl')
          ? `kubectl's kustomize is v${kustomizeMajor(probe)}: the overlays use kustomize v4+ fields`
          : undefined,
      fix: "install kubectl 1.21 or newer (https://kubernetes.io/docs/tasks/tools/; Debian 12's kubernetes-client 1.20 is too old, Debian 13's works)",
    },
    {
      id: 'docker',
      name: 'a reachable Docker engine (docker-engine tests)',
      check: (probe) =>
        probe.which('docker') && probe.run('docker', ['info'], { timeoutMs: 20_000 }).status === 0,
      commands: ['docker', 'dockerd'],
      packages: ['docker.io'],
      startNeedsRoot: true,
      // No bridge network: this sandbox has no iptables; the tests use host networking.
      start: (probe) => probe.spawnDetached('dockerd', DOCKERD_ARGS, DOCKERD_LOG),
      diagnose: (probe) =>
        `dockerd did not answer: ${probe.run('tail', ['-3', DOCKERD_LOG]).output.trim().replaceAll('\n', ' | ')}`,
      fix: `sudo apt-get install -y docker.io && sudo dockerd ${DOCKERD_ARGS.join(' ')} & (or: sudo systemctl start docker, or open Docker Desktop)`,
    },
    {
      id: 'images',
      name: `the local base images ${TEST_IMAGES.join(', ')}`,
      needs: ['docker'],
      check: (probe) =>
        probe.run('docker', ['image', 'inspect', ...TEST_IMAGES], { timeoutMs: 20_000 }).status === 0,
      commands: ['debootstrap'],
      packages: ['debootstrap'],
      startNeedsRoot: true,
      startTimeoutMs: 10_000,
      start(probe) {
        probe.log('preflight: building the base images from the apt mirror (a few minutes, once)');
        const result = probe.run(join(root, 'scripts', 'docker-test-images.sh'), [], {
          timeoutMs: 1_800_000,
        });
        if (result.status !== 0) throw new Error(result.output.trim().split('\n').slice(-3).join(' | '));
      },
      fix: 'sudo apt-get install -y debootstrap && sudo scripts/docker-test-images.sh (needs the Docker engine)',
    },
  ];
}
