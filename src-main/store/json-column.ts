/** JSON columns read back through their contract schema: a row that does not match is named, not cast. */
import type { z } from 'zod';

export class StoredJsonError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoredJsonError';
  }
}

/** Parses a JSON column (`where` names the row and column in the error); null/absent → null. */
export function jsonColumn<S extends z.ZodType>(schema: S, text: unknown, where: string): z.output<S> | null {
  if (typeof text !== 'string') return null;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new StoredJsonError(`${where}: stored JSON does not parse (${(e as Error).message})`);
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    const why = r.error.issues.map((i) => `${i.path.join('.') || '(value)'}: ${i.message}`).join('; ');
    throw new StoredJsonError(`${where}: stored value does not match its schema: ${why}`);
  }
  return r.data;
}
