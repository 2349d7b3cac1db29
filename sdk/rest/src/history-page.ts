import type { HistoryPage, HistoryParams, HistoryQueryParams } from '@relaybox/protocol';

/** `?direction=…&limit=…&cursor=…`: the query's defined fields, in a fixed order. */
export function historySearch(query: HistoryQueryParams): string {
  const search = new URLSearchParams();
  const fields = ['direction', 'limit', 'fromSeq', 'toSeq', 'start', 'end', 'event', 'cursor'] as const;
  for (const field of fields) {
    const value = query[field];
    if (value !== undefined) search.set(field, String(value));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

export type { HistoryPage, HistoryParams };
