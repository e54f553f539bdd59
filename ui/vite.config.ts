// Builds the dashboard: `vite build --config ui/vite.config.ts` writes ui/dist, which
// the read API serves at `/`. `vite --config ui/vite.config.ts` runs a dev server that
// proxies the API and the collector to a running `webalytic start` (WEBALYTIC_URL).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

const root = fileURLToPath(new URL('.', import.meta.url));
const backend = process.env.WEBALYTIC_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root,
  base: '/',
  plugins: [svelte({ configFile: false })],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Chromium, Firefox and Safari all support modulepreload; no polyfill in the entry chunk.
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
  server: {
    proxy: {
      '/api': { target: backend, changeOrigin: false },
      '/collect': { target: backend },
      '/wa.js': { target: backend },
    },
  },
});
