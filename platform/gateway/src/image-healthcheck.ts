// The platform image's HEALTHCHECK (bundled to /app/healthcheck.mjs). One image runs both roles and
// a health check cannot see the container's command, so it reads PID 1's (the entrypoint's) argv:
//   gateway  GET /v1/health on RELAYBOX_PORT answers 200 (the node can deliver: broker connected)
//   worker   its Redis answers a TCP connect (the worker has no listener)
// Exit 0 = healthy, 1 = unhealthy. Reads the environment itself: it is its own tiny process.
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';

const TIMEOUT_MS = 2_000;

function role(): 'gateway' | 'worker' {
  const argv = readFileSync('/proc/1/cmdline', 'utf8').split('\0');
  return argv.includes('worker') ? 'worker' : 'gateway';
}

async function gatewayHealthy(): Promise<boolean> {
  const port = process.env.RELAYBOX_PORT || '9001';
  const res = await fetch(`http://127.0.0.1:${port}/v1/health`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  return res.ok;
}

function workerHealthy(): Promise<boolean> {
  const url = new URL(process.env.RELAYBOX_REDIS_URL || 'redis://127.0.0.1:6379');
  return new Promise<boolean>((resolve) => {
    const socket = connect(Number(url.port) || 6379, url.hostname);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(TIMEOUT_MS, () => done(false));
    socket.on('connect', () => done(true)).on('error', () => done(false));
  });
}

const healthy = await (role() === 'worker' ? workerHealthy() : gatewayHealthy()).catch(() => false);
process.exit(healthy ? 0 : 1);
