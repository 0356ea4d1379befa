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
