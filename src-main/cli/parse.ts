/** Option parsers shared by the CLI commands: each throws commander's InvalidArgumentError with the option's name. */
import { InvalidArgumentError } from 'commander';

export function num(name: string) {
  return (v: string): number => {
    const x = Number(v);
    if (v.trim() === '' || !Number.isFinite(x)) throw new InvalidArgumentError(`${name} must be a number (got '${v}')`);
    return x;
  };
}

export function int(name: string) {
  return (v: string): number => {
    const x = Number(v);
    if (v.trim() === '' || !Number.isInteger(x)) throw new InvalidArgumentError(`${name} must be an integer (got '${v}')`);
    return x;
  };
}

/** A static tensor shape: comma-separated positive integers, e.g. 1,3,224,224. */
export function shape(name: string) {
  return (v: string): number[] => {
    const dims = v.split(',').map((s) => Number(s.trim()));
    if (dims.some((d) => !Number.isInteger(d) || d <= 0)) throw new InvalidArgumentError(`${name} must be comma-separated positive integers, e.g. 1,3,224,224 (got '${v}')`);
    return dims;
  };
}

/** --input-shape, repeatable: `1,3,224,224` (the first graph input) or `<input>=1,3,8,8` (any input by name). */
export interface InputShapeArg {
  inputShape?: number[];
  inputShapes?: Record<string, number[]>;
}

export function inputShapeArg(name: string) {
  const dims = shape(name);
  return (v: string, prev: InputShapeArg | undefined): InputShapeArg => {
    const eq = v.indexOf('=');
    if (eq < 0) {
      if (prev?.inputShape) throw new InvalidArgumentError(`${name} without an input name is given twice; name the inputs: <input>=1,3,8,8`);
      return { ...prev, inputShape: dims(v) };
    }
    const input = v.slice(0, eq);
    if (!input) throw new InvalidArgumentError(`${name} '${v}': the input name before '=' is empty`);
    if (prev?.inputShapes?.[input]) throw new InvalidArgumentError(`${name}: input '${input}' is given twice`);
    return { ...prev, inputShapes: { ...prev?.inputShapes, [input]: dims(v.slice(eq + 1)) } };
  };
}
