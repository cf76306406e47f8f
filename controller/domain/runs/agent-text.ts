/**
 * Text an agent sends that the controller stores as it came (recipe output,
 * abort messages). Neither database stores U+0000 in text (PostgreSQL refuses
 * it, SQLite ends the statement there), and a VM's output may well hold one
 * (`printf 'a\0b'`): such text is kept with each NUL shown as U+2400 (␀), so
 * that nothing else is lost. Every other character both databases store.
 */

/** What a NUL in stored recipe output and abort messages reads as. */
export const NUL_REPLACEMENT = '\u2400';

/** True when `text` holds a NUL, which no database stores. */
export function hasNul(text: string): boolean {
  return text.includes('\u0000');
}

/** `text` with every NUL replaced by ␀ (U+2400). */
export function withoutNul(text: string): string {
  return hasNul(text) ? text.replaceAll('\u0000', NUL_REPLACEMENT) : text;
}

/**
 * At most `max` characters (code points, as PostgreSQL counts a varchar's
 * length) of `text`, never splitting a surrogate pair.
 */
export function clipCodePoints(text: string, max: number): string {
  // Short enough in UTF-16 code units is short enough in code points.
  if (text.length <= max) return text;
  return Array.from(text).slice(0, max).join('');
}
