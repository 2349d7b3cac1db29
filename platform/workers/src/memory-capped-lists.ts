/** Lists keyed by string, newest first, each cut to `max` entries. Entries are copied in and out. */
export class MemoryCappedLists<T> {
  private readonly lists = new Map<string, string[]>();

  constructor(private readonly max: number) {}

  /** Returns the entries the cut dropped (the oldest), usually none. */
  push(key: string, entry: T): T[] {
    const list = this.lists.get(key) ?? [];
    list.unshift(JSON.stringify(entry));
    const dropped = list.length > this.max ? list.splice(this.max) : [];
    this.lists.set(key, list);
    return dropped.map((raw) => JSON.parse(raw) as T);
  }

  /** Removes and returns the newest entry that passes `match`. */
  remove(key: string, match: (entry: T) => boolean): T | undefined {
    const list = this.lists.get(key) ?? [];
    const index = list.findIndex((raw) => match(JSON.parse(raw) as T));
    if (index < 0) return undefined;
    const [raw] = list.splice(index, 1);
    return JSON.parse(raw as string) as T;
  }

  clear(key: string): void {
    this.lists.delete(key);
  }

  read(key: string, limit: number): T[] {
    const list = this.lists.get(key) ?? [];
    return list.slice(0, Math.max(0, Math.min(limit, this.max))).map((entry) => JSON.parse(entry) as T);
  }
}
