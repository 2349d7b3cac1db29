import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Logger, loadConfig, type RunningGateway, startGateway } from '@relaybox/gateway';
import {
  type Engine,
  type LogOptions,
  OrchestratorError,
  type ServiceStatus,
  type StackEvent,
  type StackStatus,
  type UpResult,
} from '../src/engine.js';

type LogEvent = StackEvent & { type: 'log' };

/**
 * A minimal real engine for the daemon tests until the embedded engine lands: one real gateway
 * (`gateway-1`, via startGateway, memory adapters) whose log lines and state changes are
 * reported the way an engine reports them.
 */
export class GatewayTestEngine implements Engine {
  readonly name = 'embedded' as const;
  private gateway: RunningGateway | undefined;
  private service: ServiceStatus = {
    name: 'gateway-1',
    service: 'gateway',
    state: 'stopped',
    since: Date.now(),
  };
  private readonly listeners = new Set<(event: StackEvent) => void>();
  private readonly lines: LogEvent[] = [];
  private readonly followers = new Set<(event: LogEvent) => void>();
  private readonly dataDir = mkdtempSync(join(tmpdir(), 'rb-daemon-'));
  private port = 0;
  private running = false;

  get listenerCount(): number {
    return this.listeners.size + this.followers.size;
  }

  async up(): Promise<UpResult> {
    this.running = true;
    await this.startService('gateway-1');
    return {
      status: await this.status(),
      devApiKey: this.gateway!.devApiKey!,
      adminToken: 'test-admin-token',
    };
  }

  async down(): Promise<void> {
    if (this.gateway) await this.stopService('gateway-1');
    this.running = false;
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  async status(): Promise<StackStatus> {
    const origin = `http://localhost:${this.port}`;
    return {
      engine: 'embedded',
      state: !this.running ? 'stopped' : this.service.state === 'healthy' ? 'running' : 'degraded',
      services: this.running ? [{ ...this.service }] : [],
      endpoints: {
        origin,
        websocket: `ws://localhost:${this.port}/v1/ws`,
        rest: `${origin}/v1`,
        console: `${origin}/console/`,
        admin: `${origin}/v1/admin`,
      },
    };
  }

  async scale(): Promise<StackStatus> {
    throw new OrchestratorError('invalid_argument', 'the test engine runs one gateway');
  }

  async startService(name: string): Promise<void> {
    this.require(name);
    if (this.gateway) return;
    const config = loadConfig({
      RELAYBOX_PORT: String(this.port),
      RELAYBOX_DATA_DIR: this.dataDir,
      RELAYBOX_NODE_ID: 'gateway-1',
    });
    this.gateway = await startGateway(config, { log: this.logger() });
    this.port = this.gateway.port;
    this.setState('healthy');
  }

  async stopService(name: string): Promise<void> {
    this.require(name);
    const gateway = this.gateway;
    this.gateway = undefined;
    await gateway?.shutdown();
    this.setState('stopped');
  }

  async restartService(name: string): Promise<void> {
    await this.stopService(name);
    await this.startService(name);
  }

  async logs(name: string, options: LogOptions, onLine: (event: LogEvent) => void): Promise<() => void> {
    this.require(name);
    for (const line of this.lines.slice(-(options.tail ?? 200))) onLine(line);
    if (!options.follow) return () => undefined;
    this.followers.add(onLine);
    return () => this.followers.delete(onLine);
  }

  onEvent(listener: (event: StackEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private require(name: string): void {
    if (name !== 'gateway-1' || !this.running) {
      throw new OrchestratorError('service_not_found', `no service ${name}`);
    }
  }

  private setState(state: ServiceStatus['state']): void {
    this.service = { ...this.service, state, since: Date.now() };
    this.emitLine(`gateway-1 is ${state}`);
    for (const l of this.listeners) l({ type: 'service', status: { ...this.service } });
  }

  private emitLine(line: string): void {
    const event: LogEvent = { type: 'log', service: 'gateway-1', stream: 'stdout', line, ts: Date.now() };
    this.lines.push(event);
    if (this.lines.length > 1000) this.lines.shift();
    for (const f of this.followers) f(event);
    for (const l of this.listeners) l(event);
  }

  private logger(): Logger {
    const write = (level: string) => (message: string, fields?: Record<string, unknown>) =>
      this.emitLine(JSON.stringify({ level, message, ...fields }));
    return { debug: () => undefined, info: write('info'), warn: write('warn'), error: write('error') };
  }
}
