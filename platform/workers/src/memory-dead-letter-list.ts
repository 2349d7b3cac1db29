import { DEAD_LETTER_LIMIT, type DeadLetter, type DeadLetterList, letterOf } from './dead-letter-list.js';
import { MemoryCappedLists } from './memory-capped-lists.js';

/** `DeadLetterList` in memory, for the embedded engine. */
export class MemoryDeadLetterList implements DeadLetterList {
  private readonly lists = new MemoryCappedLists<DeadLetter>(DEAD_LETTER_LIMIT);

  async add(letter: DeadLetter): Promise<DeadLetter[]> {
    return this.lists.push(letter.appId, letter);
  }

  async list(appId: string, limit = DEAD_LETTER_LIMIT): Promise<DeadLetter[]> {
    return this.lists.read(appId, limit);
  }

  async take(appId: string, endpointId: string, eventId: string): Promise<DeadLetter | undefined> {
    return this.lists.remove(appId, letterOf(endpointId, eventId));
  }
}
