import { ConfigError, loadConfig } from './config.js';
import { startGateway } from './start-gateway.js';

/** `pnpm start` / the gateway container: read the config once, start, shut down on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = loadConfig(process.env, process.argv.slice(2));
  const running = await startGateway(config);
  const wsUrl = `${running.url.replace(/^http/, 'ws')}/v1/ws`;
  process.stdout.write(
    [
      `RelayBox gateway ${config.nodeId} (${config.engine} engine: broker=${config.broker}, store=${config.store})`,
      `  WebSocket  ${wsUrl}`,
      `  REST       ${running.url}/v1`,
      `  Health     ${running.url}/v1/health`,
      running.devApiKey ? `  Dev key    ${running.devApiKey}` : '',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: closing clients with "reconnect elsewhere" and exiting\n`);
    const force = setTimeout(() => process.exit(1), config.shutdownGraceMs);
    force.unref();
    running.shutdown().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
  process.stderr.write(`relaybox: ${message}\n`);
  process.exit(1);
});
