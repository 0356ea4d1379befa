/** Reading SQLite rows: better-sqlite3 returns untyped records. */
export type Row = Record<string, unknown>;

/** A nullable column of the given primitive kind. */
export const nullable = <T extends string | number>(v: unknown): T | null => (v as T | null) ?? null;
