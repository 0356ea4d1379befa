/** What the benchmark scripts share: the project root, ../shared (EQ_SHARED_DIR overrides it) and `--name value` options. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const shared = path.resolve(process.env['EQ_SHARED_DIR'] ?? path.join(root, '..', 'shared'));
export const argv = process.argv.slice(2);

/** The value after `--name`, or `dflt`. */
export function opt(name: string, dflt: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1]! : dflt;
}
