/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The gateway serves `dist/` and the API on one origin. `npm run dev` proxies the API to a
// locally running gateway so the SPA can be worked on with hot reload.
const gateway = process.env.PARLEY_GATEWAY ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // No source maps in `dist/`: it is what gets published (docs/deploy.md step 6), and a map
    // hands out the whole TypeScript source. `npm run dev` still maps everything.
    sourcemap: false,
  },
  server: {
    proxy: {
      '/v1/ws': { target: gateway.replace(/^http/, 'ws'), ws: true },
      '/v1': gateway,
      '/healthz': gateway,
    },
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts'],
  },
});
