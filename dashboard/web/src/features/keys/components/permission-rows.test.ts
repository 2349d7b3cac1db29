import { describe, expect, it } from 'vitest';
import {
  type PermissionRow,
  parseRooms,
  previewRooms,
  rowProblem,
  rowsValid,
  toPermissionMap,
} from './permission-rows.js';

const row = (id: number, pattern: string, ops: PermissionRow['ops']): PermissionRow => ({ id, pattern, ops });

describe('permission rows', () => {
  it('flags empty, invalid, operation-less and duplicate patterns', () => {
    const rows = [row(1, 'chat:>', ['subscribe']), row(2, 'chat:>', ['publish']), row(3, 'a*', ['publish'])];
    expect(rowProblem(rows[0]!, rows)).toBeNull();
    expect(rowProblem(rows[1]!, rows)).toMatch(/Duplicate/);
    expect(rowProblem(rows[2]!, rows)).toMatch(/Invalid pattern/);
    expect(rowProblem(row(4, ' ', ['publish']), rows)).toMatch(/Enter/);
    expect(rowProblem(row(5, 'game:*', []), rows)).toMatch(/at least one/);
    expect(rowsValid(rows)).toBe(false);
    expect(rowsValid([])).toBe(false);
    expect(rowsValid([rows[0]!])).toBe(true);
  });

  it('builds the map with operations in canonical order', () => {
    expect(toPermissionMap([row(1, ' chat:* ', ['publish', 'subscribe'])])).toEqual({
      'chat:*': ['subscribe', 'publish'],
    });
  });

  it('previews which rooms each pattern matches with the protocol matcher', () => {
    const rows = [row(1, 'chat:*', ['subscribe']), row(2, 'chat:>', ['publish']), row(3, '>:x', ['history'])];
    const preview = previewRooms(rows, 'chat:lobby\nchat:team:42, game:7\n\nchat:lobby');
    expect(preview).toEqual([
      { room: 'chat:lobby', matchedBy: ['chat:*', 'chat:>'], granted: ['subscribe', 'publish'] },
      { room: 'chat:team:42', matchedBy: ['chat:>'], granted: ['publish'] },
      { room: 'game:7', matchedBy: [], granted: [] },
    ]);
  });

  it('bounds the number of previewed rooms', () => {
    const text = Array.from({ length: 80 }, (_, i) => `r:${i}`).join('\n');
    expect(parseRooms(text)).toHaveLength(50);
  });
});
