import type { Broker, MessageIdGenerator, SequenceStore } from '@relaybox/core';
import type { PublishAck } from '@relaybox/protocol';

export interface PublishInput {
  appId: string;
  room: string;
  event: string;
  data: unknown;
  clientId: string;
}

/**
 * The one publish path of the gateway, shared by WebSocket clients and the REST API: assign the
 * room's next seq, build the frame once, hand it to the broker, and acknowledge only after the
 * broker confirmed. Errors are the stores' and broker's retryable `RelayBoxError`s.
 */
export class Publisher {
  constructor(
    private readonly sequences: SequenceStore,
    private readonly broker: Broker,
    private readonly ids: MessageIdGenerator,
  ) {}

  async publish(input: PublishInput): Promise<PublishAck> {
    const seq = await this.sequences.next(input.appId, input.room);
    const id = this.ids.next();
    const timestamp = Date.now();
    const payload = JSON.stringify({
      type: 'message',
      id,
      seq,
      room: input.room,
      event: input.event,
      data: input.data,
      clientId: input.clientId,
      timestamp,
    });
    await this.broker.publish({ appId: input.appId, room: input.room, payload });
    return { id, seq, timestamp };
  }
}
