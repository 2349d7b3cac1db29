import { DEAD_LETTER_LIMIT, type DeadLetter, type DeadLetterList, letterOf } from './dead-letter-list.js';
import { RedisCappedLists, type RedisListOptions } from './redis-capped-lists.js';

/** `DeadLetterList` on Redis: one list per app, `<prefix>webhooks:{<appId>}:dead`. */
export class RedisDeadLetterList implements DeadLetterList {
  private readonly lists: RedisCappedLists<DeadLetter>;

  constructor(options: RedisListOptions = {}) {
    this.lists = new RedisCappedLists(DEAD_LETTER_LIMIT, 'dead-letter list', options);
  }

  add(letter: DeadLetter): Promise<DeadLetter[]> {
    return this.lists.push(this.key(letter.appId), letter);
  }

  list(appId: string, limit = DEAD_LETTER_LIMIT): Promise<DeadLetter[]> {
    return this.lists.read(this.key(appId), limit);
  }

  take(appId: string, endpointId: string, eventId: string): Promise<DeadLetter | undefined> {
    return this.lists.remove(this.key(appId), letterOf(endpointId, eventId));
  }

  close(): Promise<void> {
    return this.lists.close();
  }

  private key(appId: string): string {
    return `${this.lists.prefix}webhooks:{${appId}}:dead`;
  }
}
