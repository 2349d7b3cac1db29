import { ConfigError, loadConfig } from './config.js';
import { startGateway } from './start-gateway.js';
import { parseWorkerQueues, startWorker } from './worker.js';

/**
 * `main.ts [gateway] [--engine e] [--port n]` or `main.ts worker [sessions,history,webhook]`: read the
 * config once, start the role, shut down on SIGTERM/SIGINT.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const role = args[0] === 'worker' || args[0] === 'gateway' ? args[0] : 'gateway';
  if (role === 'worker') return runWorker(args.slice(1));
  const config = loadConfig(process.env, args[0] === 'gateway' ? args.slice(1) : args);
  const running = await startGateway(config);
  const wsUrl = `${running.url.replace(/^http/, 'ws')}/v1/ws`;
  process.stdout.write(
    [
      `RelayBox gateway ${config.nodeId} (${config.engine} engine: broker=${config.broker}, store=${config.store})`,
      `  WebSocket  ${wsUrl}`,
      `  REST       ${running.url}/v1`,
      `  Health     ${running.url}/v1/health (readiness /v1/ready, liveness /v1/live)`,
      `  Console    ${running.url}/console/ (admin token: RELAYBOX_ADMIN_TOKEN or ${config.dataDir}/admin-token)`,
      running.devApiKey ? `  Dev key    ${running.devApiKey}` : '',
      '',
    ].join('\n'),
  );
  let stopping = false;
  // SIGTERM: readiness off at once, clients closed with 4000 after the drain delay (load balancers
  // stop routing here meanwhile), forced exit if closing takes longer than the shutdown grace.
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    running.gateway.leave();
    process.stdout.write(
      `${signal}: not ready; closing clients with "reconnect elsewhere" in ${config.drainDelayMs} ms, then exiting\n`,
    );
    const force = setTimeout(() => process.exit(1), config.drainDelayMs + config.shutdownGraceMs);
    force.unref();
    setTimeout(() => {
      running.shutdown().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    }, config.drainDelayMs);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  stopWithSupervisor(() => stop('supervisor gone'));
}

/**
 * Under `relaybox up --engine native` (RELAYBOX_SUPERVISED=1) stdin is a pipe from the supervisor:
 * it closes when the supervisor dies, even by SIGKILL, and this process then stops instead of
 * lingering as an orphan that holds its port and its broker bindings.
 */
function stopWithSupervisor(stop: () => void): void {
  if (process.env.RELAYBOX_SUPERVISED !== '1') return;
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
}

/** The worker role: processes the named queues until SIGTERM/SIGINT (see worker.ts). */
async function runWorker(args: string[]): Promise<void> {
  const queues = parseWorkerQueues(args[0]);
  const config = loadConfig(process.env, args);
  const worker = await startWorker(config, queues);
  process.stdout.write(
    `RelayBox worker ${config.nodeId} processing ${queues.join(',')} (redis prefix ${config.redisPrefix})\n`,
  );
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(1), config.shutdownGraceMs);
    force.unref();
    worker.shutdown().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  stopWithSupervisor(stop);
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
  process.stderr.write(`relaybox: ${message}\n`);
  process.exit(1);
});
