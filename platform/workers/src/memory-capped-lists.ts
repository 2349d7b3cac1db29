/** Lists keyed by string, newest first, each cut to `max` entries. Entries are copied in and out. */
export class MemoryCappedLists<T> {
  private readonly lists = new Map<string, string[]>();

  constructor(private readonly max: number) {}

  push(key: string, entry: T): void {
    const list = this.lists.get(key) ?? [];
    list.unshift(JSON.stringify(entry));
    if (list.length > this.max) list.length = this.max;
    this.lists.set(key, list);
  }

  read(key: string, limit: number): T[] {
    const list = this.lists.get(key) ?? [];
    return list.slice(0, Math.max(0, Math.min(limit, this.max))).map((entry) => JSON.parse(entry) as T);
  }
}
