/** Markdown tables of `npm run bench:arm` (scripts/bench-arm-insns.ts). */
import { spawnSync } from 'node:child_process';
import type { PerInference } from './qemu-count.js';

export interface ArmRow extends PerInference {
  model: string;
  algo: string;
  config: string;
  cpu: string;
  isa: string;
}

export interface ArmReport {
  date: string;
  qemu: string;
  rows: ArmRow[];
}

const M = (n: number | undefined) => (n === undefined ? '–' : (n / 1e6).toFixed(1));

/** C++ names demangled with c++filt when it is installed (binutils), else as they are. */
function demangle(names: string[]): string[] {
  const r = spawnSync('c++filt', [], { input: names.join('\n'), encoding: 'utf8' });
  if (r.status !== 0) return names;
  const out = r.stdout.split('\n');
  return names.map((n, i) => out[i] ?? n);
}

/** "void eq::k::(anonymous namespace)::Foo<3, 1>(int) const" → "Foo<3, 1>" */
export function shortSymbol(name: string): string {
  if (name.startsWith('std::_Function_handler')) return 'ParallelFor body';
  const s = name.replace(/\(anonymous namespace\)::/g, '');
  // the name's start after the return type and the last scope, both at template depth 0
  let depth = 0,
    from = 0,
    to = s.length;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '<') depth++;
    else if (ch === '>') depth--;
    else if (depth > 0) continue;
    else if (ch === '(') {
      to = i;
      break;
    } else if (ch === ' ') from = i + 1;
    else if (ch === ':' && s[i + 1] === ':') from = i + 2;
  }
  const base = s.slice(from, to);
  return base === 'Run' ? 'GEMM kernel Run' : base || name;
}

export function renderArmReport(r: ArmReport): string {
  const L: string[] = [];
  const get = (model: string, algo: string, config: string) => r.rows.find((x) => x.model === model && x.algo === algo && x.config === config);
  // a non-gemm algorithm that changes nothing (no layer it applies to) is left out
  const same = (model: string, algo: string) =>
    algo !== 'gemm' && r.rows.filter((x) => x.model === model && x.algo === algo).every((x) => get(model, 'gemm', x.config)?.perInference.total === x.perInference.total);
  const rows = r.rows.filter((x) => !same(x.model, x.algo));
  const keys = [...new Set(rows.map((x) => `${x.model}|${x.algo}`))];
  L.push(`Instructions per inference (millions), 1 thread, QEMU ${r.qemu} user mode, ${r.date.slice(0, 10)}.`, '');
  L.push('| model | conv | scalar INT8 | NEON INT8 | NEON INT7 | NEON INT8/INT7 | dotprod INT8 | dotprod INT7 | FP32 fallback |');
  L.push('|---|---|---|---|---|---|---|---|---|');
  for (const k of keys) {
    const [model, algo] = k.split('|') as [string, string];
    const t = (c: string) => get(model, algo, c)?.perInference.total;
    const n8 = t('NEON INT8'),
      n7 = t('NEON INT7');
    const ratio = n8 && n7 ? `${(n8 / n7).toFixed(2)}×` : '–';
    L.push(`| ${model} | ${algo} | ${M(t('scalar INT8'))} | ${M(n8)} | ${M(n7)} | ${ratio} | ${M(t('dotprod INT8'))} | ${M(t('dotprod INT7'))} | ${M(t('FP32 fallback'))} |`);
  }
  L.push('', 'By instruction class (millions per inference; multiplies = SMULL/SMLAL(2) or SDOT or FMLA):', '');
  L.push('| model | conv | path | total | multiplies | SADALP | other SIMD | loads/stores | scalar/branches |');
  L.push('|---|---|---|---|---|---|---|---|---|');
  for (const x of rows) {
    if (x.config === 'scalar INT8') continue;
    const c = x.perInference.classes;
    const mul = (c['smull'] ?? 0) + (c['smlal'] ?? 0) + (c['sdot'] ?? 0) + (c['fmla'] ?? 0);
    L.push(
      `| ${x.model} | ${x.algo} | ${x.config} | ${M(x.perInference.total)} | ${M(mul)} | ${M(c['sadalp'] ?? 0)} | ${M(c['simd_other'] ?? 0)} | ${M(c['load_store'] ?? 0)} | ${M(c['other'] ?? 0)} |`,
    );
  }
  L.push('', 'Where the instructions go (NEON paths, the five largest functions, millions per inference):', '');
  for (const x of rows) {
    if (!x.config.startsWith('NEON')) continue;
    const top = Object.entries(x.perInference.symbols)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5);
    const names = demangle(top.map(([n]) => n)).map(shortSymbol);
    L.push(`- ${x.model} ${x.algo} ${x.config}: ${top.map(([, n], i) => `${names[i]} ${M(n)}`).join(', ')}`);
  }
  return `${L.join('\n')}\n`;
}
