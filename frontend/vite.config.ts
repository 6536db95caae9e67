/// <reference types="vitest/config" />
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import compile from 'icu-minify/compile';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

// The gateway serves `dist/` and the API on one origin. `npm run dev` proxies the API to a
// locally running gateway so the SPA can be worked on with hot reload.
const gateway = process.env.PARLEY_GATEWAY ?? 'http://127.0.0.1:8080';

const MESSAGES = 'virtual:messages/';

/**
 * `import('virtual:messages/de')` is src/i18n/messages/de.json with every ICU message compiled
 * ahead of time, so the browser needs only icu-minify's small formatter, never a parser.
 */
function messages(): Plugin {
  return {
    name: 'parley-messages',
    resolveId(id) {
      return id.startsWith(MESSAGES) ? '\0' + id : undefined;
    },
    load(id) {
      if (!id.startsWith('\0' + MESSAGES)) return undefined;
      const locale = id.slice(MESSAGES.length + 1);
      if (!/^[A-Za-z]{2,3}(-[A-Za-z0-9]+)?$/.test(locale)) throw new Error(`bad locale ${locale}`);
      const file = fileURLToPath(new URL(`./src/i18n/messages/${locale}.json`, import.meta.url));
      this.addWatchFile(file);
      const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
      const compiled = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, compile(v)]));
      return `export default ${JSON.stringify(compiled)};`;
    },
  };
}

export default defineConfig({
  plugins: [react(), messages()],
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
