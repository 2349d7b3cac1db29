/**
 * Prints what recording costs on a connection the inspector watches (`FrameLog.record`: parse,
 * redact, truncate, ring). Unwatched connections pay one undefined check per frame instead.
 * Run: `npx tsx platform/gateway/scripts/frame-log-cost.ts`.
 */
import { FrameLog } from '../src/admin/frame-log.js';

const frames = {
  '100 B publish': JSON.stringify({
    type: 'publish',
    room: 'chat:lobby',
    event: 'note',
    data: { n: 42 },
    ref: 7,
  }),
  '16 KB publish': JSON.stringify({
    type: 'publish',
    room: 'chat:lobby',
    event: 'note',
    data: 'x'.repeat(16_000),
  }),
};
const N = 200_000;
for (const [name, text] of Object.entries(frames)) {
  const log = new FrameLog(Date.now());
  for (let i = 0; i < 10_000; i++) log.record('in', text);
  const started = process.hrtime.bigint();
  for (let i = 0; i < N; i++) log.record('in', text);
  const micros = Number(process.hrtime.bigint() - started) / N / 1000;
  console.log(`${name}: ${micros.toFixed(2)} µs per recorded frame`);
}
const full = new FrameLog(Date.now());
for (let i = 0; i < 100; i++) full.record(i % 2 ? 'in' : 'out', frames['16 KB publish']);
const chars = JSON.stringify([...full.in, ...full.out]).length;
console.log(
  `kept per watched connection: ${full.in.length + full.out.length} frames, ~${Math.round(chars / 1024)} K chars`,
);
