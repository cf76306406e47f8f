/** `items` in consecutive slices of at most `size` (none for no items): one statement per slice. */
export function* chunksOf<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let at = 0; at < items.length; at += size) yield items.slice(at, at + size);
}
