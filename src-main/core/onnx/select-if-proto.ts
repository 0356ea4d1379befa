/**
 * An If with a data-dependent condition whose branches are plain FP32 subgraphs (no nested
 * control flow, float outputs) becomes both branches plus an arithmetic select per output:
 *   y = then · c + else · (1 − c),  c = Cast(cond → float) ∈ {0, 1}
 * which is exactly the taken branch's value when both branches are finite. The rewrite is made
 * on the model proto, and the import builds the IR from the rewritten model (graph/load.ts), so
 * the FP32 reference (onnxruntime) and every engine run one graph with no If left (the native
 * runtime has no control flow; the calibrator captures branch values by name, which an If would
 * hide). Branch values get the prefixes `<If name>/then/` and `<If name>/else/`.
 */
import { nodeNames } from './import.js';
import { onnx, type IAttributeProto, type IGraphProto, type IModelProto, type INodeProto, type ITensorProto } from './proto.js';
import { decodeTensor } from './tensor-codec.js';

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const CONTROL_FLOW = new Set(['If', 'Loop', 'Scan']);
const BRANCHES = ['then_branch', 'else_branch'] as const;

/** Why an If with these branches cannot be selected arithmetically, or undefined when it can. */
export function selectIfRefusal(thenBranch: IGraphProto, elseBranch: IGraphProto): string | undefined {
  for (const [key, g] of [
    [BRANCHES[0], thenBranch],
    [BRANCHES[1], elseBranch],
  ] as const) {
    const cf = (g.node ?? []).find((n) => CONTROL_FLOW.has(n.opType ?? '') || (n.domain ?? '') !== '');
    if (cf) return `${key} has node '${cf.name ?? ''}' (${cf.domain ? `${cf.domain}.` : ''}${cf.opType})`;
    const nonFloat = (g.output ?? []).find((o) => (o.type?.tensorType?.elemType ?? FLOAT) !== FLOAT);
    if (nonFloat) return `${key} output '${nonFloat.name}' is not float32`;
  }
  return undefined;
}

/** A select made for output `output` of If `ifName` from branch values `then` and `else`. */
export interface SelectedOutput {
  ifName: string;
  then: string;
  else: string;
  output: string;
}

function branchGraph(node: INodeProto, name: string, key: string): IGraphProto {
  const g = (node.attribute ?? []).find((a) => a.name === key)?.g;
  if (!g) throw new Error(`node '${name}' (If): attribute ${key} is missing`);
  return g;
}

/** The nodes of branch `g` with their values and initializers prefixed (outer-scope reads keep their names). */
function branch(g: IGraphProto, node: INodeProto, name: string, key: string, prefix: string, inits: ITensorProto[]): { nodes: INodeProto[]; outputs: string[] } {
  const where = `node '${name}' (If) ${key}`;
  const rename = new Map<string, string>();
  for (const t of g.initializer ?? []) {
    decodeTensor(t, `${where}: initializer`);
    rename.set(t.name ?? '', `${prefix}${t.name}`);
  }
  for (const n of g.node ?? []) for (const o of n.output ?? []) if (o) rename.set(o, `${prefix}${o}`);
  for (const t of g.initializer ?? []) inits.push({ ...t, name: rename.get(t.name ?? '')! });
  const names = nodeNames(g.node ?? []);
  const nodes = (g.node ?? []).map((n, i) => ({
    ...n,
    name: `${prefix}${names[i]}`,
    input: (n.input ?? []).map((x) => rename.get(x) ?? x),
    output: (n.output ?? []).map((o) => (o ? rename.get(o)! : o)),
  }));
  const outs = g.output ?? [];
  const ifOuts = node.output ?? [];
  if (outs.length !== ifOuts.length) throw new Error(`${where}: ${outs.length} outputs, the If has ${ifOuts.length}`);
  return { nodes, outputs: outs.map((o) => rename.get(o.name ?? '') ?? o.name ?? '') };
}

/**
 * Rewrites each If of `model`'s main graph named in `ifNames` (by its IR name, see
 * onnx/import.ts nodeNames) as both branches and a select, in place; returns the selects made.
 */
export function selectIfsInProto(model: IModelProto, ifNames: readonly string[]): SelectedOutput[] {
  const g = model.graph!;
  const inits = (g.initializer ??= []);
  const names = nodeNames(g.node ?? []);
  const picked = (g.node ?? []).map((n, i) => n.opType === 'If' && (n.domain ?? '') === '' && ifNames.includes(names[i]!));
  for (const want of ifNames) if (!names.some((nm, i) => nm === want && picked[i])) throw new Error(`no If node '${want}' in the model's main graph`);
  // unnamed nodes are named as the import names them, so removing an unnamed If renames none of them
  if ((g.node ?? []).some((n, i) => picked[i] && !n.name)) (g.node ?? []).forEach((n, i) => (n.name = names[i]!));
  const selected: SelectedOutput[] = [];
  const out: INodeProto[] = [];
  (g.node ?? []).forEach((node, i) => {
    if (!picked[i]) {
      out.push(node);
      return;
    }
    const name = names[i]!;
    const [thenG, elseG] = BRANCHES.map((key) => branchGraph(node, name, key)) as [IGraphProto, IGraphProto];
    const refusal = selectIfRefusal(thenG, elseG);
    if (refusal) throw new Error(`node '${name}' (If): cannot run as a select of both branches: ${refusal}`);
    const p = `${name}/`;
    const t = branch(thenG, node, name, 'then_branch', `${p}then/`, inits);
    const e = branch(elseG, node, name, 'else_branch', `${p}else/`, inits);
    inits.push({ name: `${p}one`, dataType: FLOAT, dims: [], floatData: [1] });
    const mk = (suffix: string, opType: string, input: string[], output: string, attribute: IAttributeProto[] = []): INodeProto => ({
      name: `${p}${suffix}`,
      opType,
      domain: '',
      input,
      output: [output],
      attribute,
    });
    out.push(...t.nodes, ...e.nodes);
    out.push(mk('cond_f', 'Cast', [node.input![0]!], `${p}cond_f`, [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: FLOAT }]));
    out.push(mk('not_cond', 'Sub', [`${p}one`, `${p}cond_f`], `${p}not_cond`));
    (node.output ?? []).forEach((y, k) => {
      if (!y) return;
      out.push(mk(`then_${k}`, 'Mul', [t.outputs[k]!, `${p}cond_f`], `${p}then_${k}`));
      out.push(mk(`else_${k}`, 'Mul', [e.outputs[k]!, `${p}not_cond`], `${p}else_${k}`));
      out.push(mk(`select_${k}`, 'Add', [`${p}then_${k}`, `${p}else_${k}`], y));
      selected.push({ ifName: name, then: t.outputs[k]!, else: e.outputs[k]!, output: y });
    });
  });
  g.node = out;
  return selected;
}
