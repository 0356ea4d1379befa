/**
 * An If with a data-dependent condition whose branches are plain FP32 subgraphs (no nested
 * control flow, float outputs) becomes both branches plus an arithmetic select per output:
 *   y = then · c + else · (1 − c),  c = Cast(cond → float) ∈ {0, 1}
 * which is exactly the taken branch's value when both branches are finite. The program then has
 * no If left, so every engine (incl. the native runtime, which has no control flow) runs it.
 * Branch values get the prefixes `<If name>/then/` and `<If name>/else/`.
 */
import type { Graph, Node } from '../ir.js';
import type { Tensor } from '../tensor.js';
import { branchNodes, branchProto, type BranchKey } from './inline-if.js';

const CONTROL_FLOW = new Set(['If', 'Loop', 'Scan']);
const FLOAT = 1;

/** Why `node`'s branches cannot be selected arithmetically, or undefined when they can. */
export function selectIfRefusal(node: Node): string | undefined {
  for (const key of ['then_branch', 'else_branch'] as BranchKey[]) {
    const g = branchProto(node, key);
    const cf = (g.node ?? []).find((n) => CONTROL_FLOW.has(n.opType ?? '') || (n.domain ?? '') !== '');
    if (cf) return `${key} has node '${cf.name ?? ''}' (${cf.domain ? `${cf.domain}.` : ''}${cf.opType})`;
    const nonFloat = (g.output ?? []).find((o) => (o.type?.tensorType?.elemType ?? FLOAT) !== FLOAT);
    if (nonFloat) return `${key} output '${nonFloat.name}' is not float32`;
  }
  return undefined;
}

/** The pairs (then, else, output) select nodes were made for, to check shapes once inferred. */
export interface SelectedOutput {
  ifName: string;
  then: string;
  else: string;
  output: string;
}

/** Both branches of `node` and the select nodes, as nodes of `graph` (initializers added to it). */
export function selectIf(graph: Graph, node: Node, selected: SelectedOutput[]): Node[] {
  const p = `${node.name}/`;
  const t = branchNodes(graph, node, 'then_branch', `${p}then/`);
  const e = branchNodes(graph, node, 'else_branch', `${p}else/`);
  const one: Tensor = { dtype: 'float32', dims: [], data: Float32Array.of(1) };
  graph.initializers.set(`${p}one`, one);
  graph.shapes.set(`${p}one`, []);
  const mk = (name: string, op: string, inputs: string[], output: string, attrs: Node['attrs'] = {}): Node => ({ name: `${p}${name}`, op, domain: '', inputs, outputs: [output], attrs });
  const out: Node[] = [...t.nodes, ...e.nodes, mk('cond_f', 'Cast', [node.inputs[0]!], `${p}cond_f`, { to: FLOAT }), mk('not_cond', 'Sub', [`${p}one`, `${p}cond_f`], `${p}not_cond`)];
  node.outputs.forEach((y, k) => {
    if (!y) return;
    out.push(mk(`then_${k}`, 'Mul', [t.outputs[k]!, `${p}cond_f`], `${p}then_${k}`));
    out.push(mk(`else_${k}`, 'Mul', [e.outputs[k]!, `${p}not_cond`], `${p}else_${k}`));
    out.push(mk(`select_${k}`, 'Add', [`${p}then_${k}`, `${p}else_${k}`], y));
    selected.push({ ifName: node.name, then: t.outputs[k]!, else: e.outputs[k]!, output: y });
  });
  return out;
}

/** Throws when a selected output's branches (or the select) disagree in shape. */
export function checkSelectedShapes(graph: Graph, selected: SelectedOutput[]): void {
  for (const s of selected) {
    const [a, b, y] = [s.then, s.else, s.output].map((v) => graph.shapes.get(v));
    const same = (u?: number[], v?: number[]) => !!u && !!v && u.length === v.length && u.every((d, i) => d === v[i]);
    if (!same(a, b) || !same(a, y)) {
      const f = (d?: number[]) => (d ? `[${d.join('x')}]` : '?');
      throw new Error(`node '${s.ifName}' (If): the branches give output '${s.output}' different shapes (then ${f(a)}, else ${f(b)}), so it cannot run as a select of both branches`);
    }
  }
}
