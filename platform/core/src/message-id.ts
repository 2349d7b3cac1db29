import { randomBytes } from 'node:crypto';

/**
 * Unique message ids without coordination: a random node prefix (48 bits), the start time and a
 * counter. Ids from one generator sort in creation order.
 */
export class MessageIdGenerator {
  private readonly prefix: string;
  private counter = 0;

  constructor(nodeId: string = randomBytes(6).toString('hex')) {
    this.prefix = `${nodeId}-${Date.now().toString(36)}-`;
  }

  next(): string {
    this.counter++;
    return this.prefix + this.counter.toString(36);
  }
}
