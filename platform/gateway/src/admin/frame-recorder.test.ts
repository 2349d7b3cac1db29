import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ClientSession } from '../client-session.js';
import { FrameRecorder } from './frame-recorder.js';

// A plain stand-in for a session (the recorder reads its id, app, rooms and transport state).
function session(connectionId: string, rooms: Record<string, 'none' | 'on'> = {}) {
  const joined = new Map(
    Object.entries(rooms).map(([room, messages]) => [room, { messages, presence: 'none' }]),
  );
  return {
    connectionId,
    appId: 'app',
    frameLog: undefined,
    joinedRooms: joined,
    transport: { closed: false },
  } as unknown as ClientSession;
}

function tapSource() {
  const taps = new Map<string, (payload: string) => void>();
  return {
    taps,
    tapRoom: (_appId: string, room: string, tap: (payload: string) => void) => {
      taps.set(room, tap);
      return () => taps.delete(room);
    },
  };
}

afterEach(() => vi.useRealTimers());

describe('FrameRecorder', () => {
  it('records only while watched, and stops (hooks and taps removed) after the watch time', () => {
    vi.useFakeTimers();
    const source = tapSource();
    const recorder = new FrameRecorder(source, { watchMs: 1000 });
    const s = session('c1', { chat: 'on', quiet: 'none' });
    expect(s.frameLog).toBeUndefined();
    recorder.watch(s, 'node');
    expect(s.frameLog).toBeDefined();
    expect([...source.taps.keys()]).toEqual(['chat']);
    source.taps.get('chat')?.('{"type":"message","seq":1}');
    s.frameLog?.record('in', '{"type":"publish"}');
    const frames = recorder.watch(s, 'node');
    expect(frames.out.map((f) => f.type)).toEqual(['message']);
    expect(frames.in.map((f) => [f.type, f.n])).toEqual([['publish', 1]]);
    vi.advanceTimersByTime(1001);
    expect(s.frameLog).toBeUndefined();
    expect(source.taps.size).toBe(0);
    expect(recorder.watched).toBe(0);
  });

  it('watches a bounded number of connections, ending the oldest', () => {
    const recorder = new FrameRecorder(tapSource(), { maxWatched: 2 });
    const [a, b, c] = [session('a'), session('b'), session('c')];
    for (const s of [a, b, c]) recorder.watch(s, 'node');
    expect(recorder.watched).toBe(2);
    expect(a.frameLog).toBeUndefined();
    expect(c.frameLog).toBeDefined();
    recorder.stopAll();
    expect(recorder.watched).toBe(0);
  });
});
