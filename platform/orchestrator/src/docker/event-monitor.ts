import type Docker from 'dockerode';
import type { ServiceState, ServiceStatus } from '../engine.js';
import { controllableActions } from '../service-actions.js';
import { jsonLines } from './json-lines.js';
import { INSTANCE_LABEL, SERVICE_LABEL, STACK_LABEL } from './stack-plan.js';

interface DockerEvent {
  Type?: string;
  Action?: string;
  time?: number;
  timeNano?: number;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
}

/**
 * Follows the engine's container events for one stack and turns them into service statuses:
 * `die` (a crash, `docker kill`, an OOM) arrives as it happens, so a dead service is reported
 * within the second. `removed` is called for a destroyed container.
 */
export class EventMonitor {
  private stream: (NodeJS.ReadableStream & { destroy?: () => void }) | undefined;

  constructor(
    private readonly docker: Docker,
    private readonly stack: string,
    private readonly onStatus: (status: ServiceStatus) => void,
    private readonly onRemoved: (instance: string) => void,
  ) {}

  async start(): Promise<void> {
    if (this.stream) return;
    const stream = (await this.docker.getEvents({
      filters: { type: ['container'], label: [`${STACK_LABEL}=${this.stack}`] },
    })) as NodeJS.ReadableStream & { destroy?: () => void };
    this.stream = stream;
    void (async () => {
      try {
        for await (const event of jsonLines<DockerEvent>(stream)) this.handle(event);
      } catch {
        // The stream ends when stop() destroys it or the engine goes away.
      }
    })();
  }

  stop(): void {
    this.stream?.destroy?.();
    this.stream = undefined;
  }

  private handle(event: DockerEvent): void {
    const attributes = event.Actor?.Attributes ?? {};
    const instance = attributes[INSTANCE_LABEL];
    const service = attributes[SERVICE_LABEL];
    if (!instance || !service || !event.Action) return;
    if (event.Action === 'destroy') {
      this.onRemoved(instance);
      return;
    }
    const next = stateOf(event.Action, attributes);
    if (!next) return;
    const since = event.timeNano ? Math.floor(event.timeNano / 1e6) : Date.now();
    this.onStatus({
      name: instance,
      service,
      state: next.state,
      since,
      actions: controllableActions(next.state),
      ...(next.detail ? { detail: next.detail } : {}),
    });
  }
}

function stateOf(
  action: string,
  attributes: Record<string, string>,
): { state: ServiceState; detail?: string } | undefined {
  if (action === 'start') return { state: 'starting' };
  if (action === 'die') return { state: 'exited', detail: `exit code ${attributes.exitCode ?? '?'}` };
  if (action === 'oom') return { state: 'exited', detail: 'killed: out of memory' };
  if (action === 'restart') return { state: 'restarting' };
  if (action === 'health_status: healthy') return { state: 'healthy' };
  if (action === 'health_status: unhealthy') return { state: 'unhealthy', detail: 'health check failing' };
  return undefined;
}
