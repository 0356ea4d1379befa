/**
 * A real TFLite interpreter for tests: LiteRT.js (@litertjs/core, XNNPACK compiled to WASM)
 * loaded in Node. The package targets browsers and workers; the few globals its Emscripten
 * loader looks for (self, importScripts, require, __dirname) are provided here.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

type LiteRtModule = typeof import('@litertjs/core');

let loaded: Promise<LiteRtModule> | undefined;

export function loadLiteRt(): Promise<LiteRtModule> {
  loaded ??= (async () => {
    const require = createRequire(import.meta.url);
    const wasmDir = path.join(path.dirname(require.resolve('@litertjs/core/package.json')), 'wasm');
    const g = globalThis as Record<string, unknown>;
    g['self'] ??= globalThis;
    g['require'] ??= require;
    g['__dirname'] ??= wasmDir;
    g['importScripts'] = (url: string) => {
      const file = url.startsWith('file:') ? new URL(url).pathname : url;
      vm.runInThisContext(`${fs.readFileSync(file, 'utf8')}\n;globalThis.ModuleFactory = ModuleFactory;`, { filename: file });
    };
    const lite = await import('@litertjs/core');
    await lite.loadLiteRt(`${wasmDir}/`);
    return lite;
  })();
  return loaded;
}

/** Runs a .tflite model on float32 inputs; returns the outputs in model order. */
export async function runTflite(bytes: Uint8Array, inputs: Float32Array[]): Promise<{ data: Float32Array; dims: number[] }[]> {
  const lite = await loadLiteRt();
  const model = await lite.loadAndCompile(bytes, { accelerator: 'wasm' });
  try {
    const details = model.getInputDetails();
    const tensors = details.map((d, i) => new lite.Tensor(inputs[i]!, Array.from(Object.values(d.shape) as number[])));
    const outs = await model.run(tensors);
    const res = outs.map((o) => ({ data: Float32Array.from(o.toTypedArray() as Float32Array), dims: Array.from(o.type.layout.dimensions) }));
    for (const t of [...tensors, ...outs]) t.delete();
    return res;
  } finally {
    model.delete();
  }
}
