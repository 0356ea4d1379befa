/**
 * The EQM op codes exist once per language: the TypeScript registry (src-main/core/eqm/ops)
 * and the C++ header native/src/format/eqm_op_codes.h plus the native registry
 * (native/src/runtime/ops). This test parses the C++ sources and requires the same set of ops,
 * with the same codes and names, on both sides.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_INT_OPS, INT_OPS, opDefByCode } from '../../src-main/core/eqm/ops/registry.js';
import { PROJECT_ROOT } from '../helpers/shared.js';

const NATIVE = path.join(PROJECT_ROOT, 'native', 'src');

/** enum class OpKind { kQuantize = 1, ... } → Map('kQuantize' → 1) */
function parseOpKindEnum(header: string): Map<string, number> {
  const body = /enum class OpKind\s*:\s*uint8_t\s*\{([^}]*)\}/.exec(header)?.[1];
  if (!body) throw new Error('eqm_op_codes.h: enum class OpKind not found');
  const out = new Map<string, number>();
  for (const m of body.matchAll(/(k\w+)\s*=\s*(\d+)/g)) out.set(m[1]!, Number(m[2]));
  return out;
}

/** extern const OpDef kX = {OpKind::kY, "name", ...} in native/src/runtime/ops/*.cc → [symbol, enumerator, name] */
function nativeOpDefs(): { symbol: string; enumerator: string; name: string; file: string }[] {
  const dir = path.join(NATIVE, 'runtime', 'ops');
  const out: { symbol: string; enumerator: string; name: string; file: string }[] = [];
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.cc'))) {
    const src = fs.readFileSync(path.join(dir, f), 'utf8');
    for (const m of src.matchAll(/extern const OpDef (k\w+) = \{OpKind::(k\w+), "(\w+)"/g)) out.push({ symbol: m[1]!, enumerator: m[2]!, name: m[3]!, file: f });
  }
  return out;
}

describe('EQM op codes: TypeScript and C++ agree', () => {
  const enumCodes = parseOpKindEnum(fs.readFileSync(path.join(NATIVE, 'format', 'eqm_op_codes.h'), 'utf8'));
  const defs = nativeOpDefs();
  const registry = fs.readFileSync(path.join(NATIVE, 'runtime', 'ops', 'op_registry.cc'), 'utf8');

  it('the header parser finds the enum', () => {
    expect(parseOpKindEnum('enum class OpKind : uint8_t {\n  kA = 1,\n  kBc = 12,\n};')).toEqual(
      new Map([
        ['kA', 1],
        ['kBc', 12],
      ]),
    );
    expect(() => parseOpKindEnum('enum Other {}')).toThrow(/not found/);
  });

  it('every TypeScript op has a native definition with the same name and code', () => {
    for (const d of ALL_INT_OPS) {
      const native = defs.find((n) => n.name === d.kind);
      expect(native, `no native/src/runtime/ops/*.cc defines op '${d.kind}'`).toBeDefined();
      expect(enumCodes.get(native!.enumerator), `OpKind::${native!.enumerator} (op '${d.kind}')`).toBe(d.code);
      expect(registry, `op_registry.cc does not list ops::${native!.symbol}`).toContain(`&ops::${native!.symbol},`);
    }
  });

  it('every native op code and definition has a TypeScript op', () => {
    for (const [enumerator, code] of enumCodes) {
      const def = opDefByCode(code);
      expect(def, `OpKind::${enumerator} = ${code} has no TypeScript op in src-main/core/eqm/ops/registry.ts`).toBeDefined();
      const native = defs.find((n) => n.enumerator === enumerator);
      expect(native?.name, `native op file for OpKind::${enumerator}`).toBe(def!.kind);
    }
    for (const n of defs) expect(Object.keys(INT_OPS), `${n.file} defines '${n.name}'`).toContain(n.name);
    expect(defs.length).toBe(enumCodes.size);
    expect(ALL_INT_OPS.length).toBe(enumCodes.size);
  });

  it('codes are unique bytes', () => {
    const codes = ALL_INT_OPS.map((d) => d.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const c of codes) expect(Number.isInteger(c) && c >= 1 && c <= 255).toBe(true);
  });
});
