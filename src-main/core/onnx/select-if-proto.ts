/**
 * The ONNX side of graph/passes/select-if.ts: the same rewrite of an If node (both branches with
 * the prefixes `<If>/then/`, `<If>/else/`, then Cast + Sub + Mul + Add) applied to the model
 * proto, so the bytes the FP32 reference runs in onnxruntime hold every value the IR names (the
 * calibrator captures branch values as extra graph outputs, which an If would hide).
 */
import { onnx, type IAttributeProto, type IGraphProto, type IModelProto, type INodeProto, type ITensorProto } from './proto.js';

const FLOAT = onnx.TensorProto.DataType.FLOAT;

function branch(node: INodeProto, key: string, prefix: string, inits: ITensorProto[]): { nodes: INodeProto[]; outputs: string[] } {
  const attr = (node.attribute ?? []).find((a) => a.name === key);
  const g: IGraphProto | null | undefined = attr?.g;
  if (!g) throw new Error(`node '${node.name}' (If): attribute ${key} is missing`);
  const rename = new Map<string, string>();
  for (const t of g.initializer ?? []) rename.set(t.name ?? '', `${prefix}${t.name}`);
  for (const n of g.node ?? []) for (const o of n.output ?? []) if (o) rename.set(o, `${prefix}${o}`);
  for (const t of g.initializer ?? []) inits.push({ ...t, name: rename.get(t.name ?? '')! });
  const nodes = (g.node ?? []).map((n, i) => ({
    ...n,
    name: `${prefix}${n.name || `${n.opType}_${i}`}`,
    input: (n.input ?? []).map((x) => rename.get(x) ?? x),
    output: (n.output ?? []).map((o) => (o ? rename.get(o)! : o)),
  }));
  return { nodes, outputs: (g.output ?? []).map((o) => rename.get(o.name ?? '') ?? o.name ?? '') };
}

/** `model` with each If named in `ifNames` replaced by both branches and a select (in place). */
export function selectIfsInProto(model: IModelProto, ifNames: readonly string[]): IModelProto {
  const g = model.graph!;
  const inits = (g.initializer ??= []);
  const out: INodeProto[] = [];
  for (const node of g.node ?? []) {
    if (node.opType !== 'If' || !ifNames.includes(node.name ?? '')) {
      out.push(node);
      continue;
    }
    const p = `${node.name}/`;
    const t = branch(node, 'then_branch', `${p}then/`, inits);
    const e = branch(node, 'else_branch', `${p}else/`, inits);
    inits.push({ name: `${p}one`, dataType: FLOAT, dims: [], floatData: [1] });
    const mk = (name: string, opType: string, input: string[], output: string, attribute: IAttributeProto[] = []): INodeProto => ({ name: `${p}${name}`, opType, domain: '', input, output: [output], attribute });
    out.push(...t.nodes, ...e.nodes);
    out.push(mk('cond_f', 'Cast', [node.input![0]!], `${p}cond_f`, [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: FLOAT }]));
    out.push(mk('not_cond', 'Sub', [`${p}one`, `${p}cond_f`], `${p}not_cond`));
    (node.output ?? []).forEach((y, k) => {
      if (!y) return;
      out.push(mk(`then_${k}`, 'Mul', [t.outputs[k]!, `${p}cond_f`], `${p}then_${k}`));
      out.push(mk(`else_${k}`, 'Mul', [e.outputs[k]!, `${p}not_cond`], `${p}else_${k}`));
      out.push(mk(`select_${k}`, 'Add', [`${p}then_${k}`, `${p}else_${k}`], y));
    });
  }
  g.node = out;
  return model;
}
