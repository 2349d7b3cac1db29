import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The front end only: `server/main.ts` serves it (Vite in middleware mode for `dev`, dist/ for `start`)
// next to the token endpoint, so the browser talks to one origin for the app and its API.
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true },
});
