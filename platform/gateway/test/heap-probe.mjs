// Preloaded into a gateway started with `--expose-gc` by idle-memory.int.test.ts: on SIGUSR2 it
// collects garbage and prints one line `heap-probe <bytes>`, the live heap outside code space
// (compiled code grows as new paths warm up, not with connections).
import v8 from 'node:v8';

process.on('SIGUSR2', () => {
  for (let i = 0; i < 3; i++) globalThis.gc();
  let bytes = 0;
  for (const space of v8.getHeapSpaceStatistics()) {
    if (!space.space_name.startsWith('code')) bytes += space.space_used_size;
  }
  process.stderr.write(`heap-probe ${bytes}\n`);
});
