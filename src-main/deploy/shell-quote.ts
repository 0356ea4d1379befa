/**
 * POSIX shell quoting for remote commands over SSH: every argument is single-quoted, so user
 * input (paths, model names) can never be interpreted by the remote shell.
 */
export function quoteArg(s: string): string {
  if (s.includes('\0')) throw new Error(`a command argument may not contain a NUL byte: ${JSON.stringify(s)}`);
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** One command line from an argv array. */
export function quoteCommand(argv: string[]): string {
  if (argv.length === 0) throw new Error('empty command');
  return argv.map(quoteArg).join(' ');
}
