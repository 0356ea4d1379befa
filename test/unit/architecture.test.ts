// The layering of src-main (src-main/layers.mjs) checked on the real import graph: every
// relative import goes to the same layer or a lower one, adapters skip storage and computation,
// core imports no file/addon/runtime module, the renderer sees only the contracts, and there is
// no import cycle between files (type-only imports included: they are cycles for a reader too).
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { CORE_FORBIDDEN_MODULES, forbiddenFor, LAYERS } from '../../src-main/layers.mjs';

const ROOT = path.resolve(import.meta.dirname, '../..');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(rel));
    else if (/\.(ts|mts|mjs|vue)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

/** Import specifiers of a file (static, dynamic, re-exports; <script> blocks of .vue files). */
function importsOf(file: string): string[] {
  let text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  if (file.endsWith('.vue')) text = [...text.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n');
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

/** The repo-relative file a relative specifier points at (.js written for .ts), or null. */
function resolve(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
  for (const c of [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, `${base}/index.ts`]) {
    if (fs.existsSync(path.join(ROOT, c)) && fs.statSync(path.join(ROOT, c)).isFile()) return c;
  }
  return null;
}

const layerOf = (f: string) => f.split('/')[1]!;
const main = sourceFiles('src-main');
const graph = new Map(main.map((f) => [f, importsOf(f)]));

describe('architecture of src-main', () => {
  it('every folder of src-main is a known layer', () => {
    const folders = fs
      .readdirSync(path.join(ROOT, 'src-main'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(folders.filter((f) => !LAYERS.includes(f))).toEqual([]);
  });

  it('imports go only to the same or a lower layer (adapters: app, pipeline, deploy, demo, contract)', () => {
    const bad: string[] = [];
    for (const [file, specs] of graph) {
      const forbidden = forbiddenFor(layerOf(file));
      for (const spec of specs) {
        const target = resolve(file, spec);
        if (target && target.startsWith('src-main/') && forbidden.includes(layerOf(target))) bad.push(`${file} → ${target}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('core imports no file system, addon or runtime module', () => {
    const bad = [...graph].filter(([f]) => layerOf(f) === 'core').flatMap(([f, specs]) => specs.filter((s) => CORE_FORBIDDEN_MODULES.includes(s)).map((s) => `${f} → ${s}`));
    expect(bad).toEqual([]);
  });

  it('the renderer imports only the contracts of the main process', () => {
    const bad: string[] = [];
    for (const file of sourceFiles('src-renderer')) {
      for (const spec of importsOf(file)) {
        const target = resolve(file, spec);
        if (target?.startsWith('src-main/') && !target.startsWith('src-main/contract/') && target !== 'src-main/electron/ipc-contract.ts') bad.push(`${file} → ${target}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('has no import cycle between files', () => {
    const edges = new Map([...graph].map(([f, specs]) => [f, specs.map((s) => resolve(f, s)).filter((t): t is string => t !== null && graph.has(t))]));
    // Tarjan's strongly connected components; any component with more than one file is a cycle
    let next = 0;
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const cycles: string[][] = [];
    const visit = (v: string): void => {
      index.set(v, next);
      low.set(v, next++);
      stack.push(v);
      onStack.add(v);
      for (const w of edges.get(v) ?? []) {
        if (!index.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v)!, low.get(w)!));
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
      if (low.get(v) === index.get(v)) {
        const comp: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          comp.push(w);
        } while (w !== v);
        if (comp.length > 1) cycles.push(comp.sort());
      }
    };
    for (const f of edges.keys()) if (!index.has(f)) visit(f);
    expect(cycles).toEqual([]);
  });
});
