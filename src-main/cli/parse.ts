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
