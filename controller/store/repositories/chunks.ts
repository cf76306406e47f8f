/** Keys per `in (...)` list of one query. */
export const KEYS_PER_QUERY = 5_000;
/** Rows per bulk statement: SQLite allows 32,766 bound values in one. */
export const ROWS_PER_INSERT = 1_000;
/** Rows per statement that takes them as one JSON value (PostgreSQL): about 1.3 MB of parameters. */
export const JSON_ROWS_PER_STATEMENT = 10_000;

/** `items` in consecutive slices of at most `size` (none for no items): one statement per slice. */
export function* chunksOf<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let at = 0; at < items.length; at += size) yield items.slice(at, at + size);
}
