import type { ServiceAction, ServiceState } from '@relaybox/protocol';

/**
 * The actions an engine that fully controls a service (a container, a supervised child process)
 * can take on it in `state`: start what is not running, stop or restart what is. A service on
 * its way up or down can be stopped but not restarted until it settles.
 */
export function controllableActions(state: ServiceState): ServiceAction[] {
  if (state === 'stopped' || state === 'exited') return ['start'];
  if (state === 'starting' || state === 'restarting') return ['stop'];
  return ['stop', 'restart'];
}
