import type { Broker } from '@relaybox/core';
import type { Transport } from './transport.js';

/** The uWS topic of a room. App ids and room names cannot contain `|`, so apps never share a topic. */
export function roomTopic(appId: string, room: string): string {
  return `${appId}|${room}`;
}

interface Binding {
  subscribers: number;
  ready: Promise<void>;
}

/**
 * Local fan-out of one gateway. Connections subscribe to room topics here; the hub keeps one broker
 * interest per room that has at least one local subscriber, and hands every message the broker
 * delivers to `publishLocal` (one uWS `app.publish` per message per node, never a loop over sockets).
 */
export class Hub {
  private readonly bindings = new Map<string, Binding>();

  constructor(
    private readonly broker: Broker,
    publishLocal: (topic: string, payload: string) => void,
  ) {
    broker.onMessage((message) => publishLocal(roomTopic(message.appId, message.room), message.payload));
  }

  /** Resolves once messages of the room published from any gateway reach this transport. */
  async subscribe(transport: Transport, appId: string, room: string): Promise<void> {
    const topic = roomTopic(appId, room);
    let binding = this.bindings.get(topic);
    if (!binding) {
      binding = { subscribers: 0, ready: this.broker.subscribe(appId, room) };
      this.bindings.set(topic, binding);
    }
    binding.subscribers++;
    try {
      await binding.ready;
    } catch (error) {
      this.release(appId, room, topic, binding, false);
      throw error;
    }
    transport.subscribe(topic);
  }

  unsubscribe(transport: Transport, appId: string, room: string): void {
    const topic = roomTopic(appId, room);
    transport.unsubscribe(topic);
    const binding = this.bindings.get(topic);
    if (binding) this.release(appId, room, topic, binding, true);
  }

  /** Rooms with local subscribers (for stats). */
  get roomCount(): number {
    return this.bindings.size;
  }

  private release(appId: string, room: string, topic: string, binding: Binding, bound: boolean): void {
    binding.subscribers--;
    if (binding.subscribers > 0) return;
    this.bindings.delete(topic);
    if (bound) this.broker.unsubscribe(appId, room);
  }
}
