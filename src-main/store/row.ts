/** Reading SQLite rows: better-sqlite3 returns untyped records. */
export type Row = Record<string, unknown>;

/** A nullable JSON text column, parsed (null when the column is NULL). */
export const jsonColumn = <T>(s: unknown): T | null => (typeof s === 'string' ? (JSON.parse(s) as T) : null);

/** A nullable column of the given primitive kind. */
export const nullable = <T extends string | number>(v: unknown): T | null => (v as T | null) ?? null;
