import {
  OrchestratorError,
  type ServiceStatus,
  type StackEndpoints,
  type StackEvent,
  type StackStatus,
  type UpOptions,
} from '../engine.js';

/** Listeners of an engine's events; a listener that throws does not stop the others. */
export class EventHub {
  private readonly listeners = new Set<(event: StackEvent) => void>();

  on(listener: (event: StackEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: StackEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A broken listener is the listener's problem, not the stack's.
      }
    }
  }
}

/** The endpoints of a local origin (DESIGN §6). */
export function endpointsFor(port: number, host = 'localhost'): StackEndpoints {
  const origin = `http://${host}:${port}`;
  return {
    origin,
    websocket: `ws://${host}:${port}/v1/ws`,
    rest: `${origin}/v1`,
    console: `${origin}/console`,
    admin: `${origin}/v1/admin`,
  };
}

/** A running stack with a service that is not healthy/running is degraded. */
export function stackState(state: StackStatus['state'], services: ServiceStatus[]): StackStatus['state'] {
  if (state !== 'running') return state;
  const ok = services.every((s) => s.state === 'healthy' || s.state === 'running');
  return ok ? 'running' : 'degraded';
}

export const MAX_GATEWAYS = 16;

/** Validates `up` options: whole gateway count 1-16, port 0-65535 (0 = any free port). */
export function validateUpOptions(
  options: UpOptions,
  defaultGateways: number,
): { gateways: number; port: number } {
  const gateways = options.gateways ?? defaultGateways;
  const port = options.port ?? 9000;
  if (!Number.isInteger(gateways) || gateways < 1 || gateways > MAX_GATEWAYS)
    throw new OrchestratorError(
      'invalid_argument',
      `gateways must be a whole number from 1 to ${MAX_GATEWAYS}, got ${gateways}`,
    );
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new OrchestratorError(
      'invalid_argument',
      `port must be a whole number from 0 to 65535, got ${port}`,
    );
  return { gateways, port };
}
