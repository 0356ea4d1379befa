// Web-mode build of the renderer (out/renderer), used by `easyquant serve` and the e2e tests.
// The Electron build (electron.vite.config.ts) produces the same output from the same sources.
import vue from '@vitejs/plugin-vue';
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

const here = import.meta.dirname;

export default defineConfig({
  root: here,
  base: './',
  plugins: [vue()],
  build: {
    outDir: resolve(here, '..', 'out', 'renderer'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
    rollupOptions: { input: { index: resolve(here, 'index.html') } },
  },
});
