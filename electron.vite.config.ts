import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'electron-vite';
import { resolve } from 'node:path';

const root = import.meta.dirname;

export default defineConfig({
  main: {
    build: {
      outDir: resolve(root, 'out/main'),
      rollupOptions: {
        // out/main/index.js — the package.json "main"; out/main/worker.js — the worker
        // thread that runs calibration/evaluation/export (src-main/app/worker-pool.ts);
        // out/main/ort-node-worker.js — onnxruntime for ops without a TS kernel (engines/ort-node-runner.ts)
        input: {
          index: resolve(root, 'src-main/electron/main.ts'),
          worker: resolve(root, 'src-main/app/worker.ts'),
          'ort-node-worker': resolve(root, 'src-main/engines/ort-node-worker.mjs'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: resolve(root, 'out/preload'),
      rollupOptions: {
        input: { index: resolve(root, 'src-main/electron/preload.ts') },
        // Sandboxed preloads cannot be ES modules: emit CommonJS as out/preload/index.cjs.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'src-renderer'),
    plugins: [vue()],
    build: {
      outDir: resolve(root, 'out/renderer'),
      rollupOptions: {
        input: { index: resolve(root, 'src-renderer/index.html') },
      },
    },
    server: { host: '127.0.0.1' },
  },
});
