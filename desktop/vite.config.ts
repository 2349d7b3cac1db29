import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The console is served by the gateway at `/console/` (see platform/gateway/src/rest/console.routes.ts),
// so every asset URL is absolute under that base. Output: desktop/dist/console.
export default defineConfig({
  root: fileURLToPath(new URL('./src/renderer', import.meta.url)),
  base: '/console/',
  plugins: [react()],
  // `npx vite` in desktop/: the dev server forwards the API to a stack on :9000 (same-origin for the console).
  server: { proxy: { '/v1': { target: 'http://127.0.0.1:9000', ws: true } } },
  build: {
    outDir: fileURLToPath(new URL('./dist/console', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1024,
  },
});
