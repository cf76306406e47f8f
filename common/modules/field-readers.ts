/**
 * Generic readers for raw module documents (parsed YAML or a converted wire
 * spec): each reads one field of unknown shape, reports what is wrong into a
 * violation sink and returns the typed value, or undefined when there is
 * none. Also the text measures and previews the parse messages quote.
 */
import type { FieldViolation } from '../errors.js';

/** A mapping of a raw document: field name to a value of unknown shape. */
export type Fields = Record<string, unknown>;

/** Where the readers collect violations; every one is reported at once. */
export type Sink = FieldViolation[];

/** Adds a violation when `problem` is set; returns whether it did. */
export function report(sink: Sink, field: string, problem: string | undefined): boolean {
  if (problem === undefined) return false;
  sink.push({ field, description: problem });
  return true;
}

/** Whether `value` is a plain mapping (not an array, a class instance or null). */
export function isFields(value: unknown): value is Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** YAML writes an empty field as null; converted wire messages use undefined. */
export function isAbsent(value: unknown): value is null | undefined {
  return value === undefined || value === null;
}

/**
 * Why `text` cannot be stored as module text: it holds a NUL character, which
 * PostgreSQL refuses in text and YAML writes as "\0". Undefined when it can.
 */
export function nulProblem(text: string): string | undefined {
  return text.includes('\0') ? 'must not contain NUL (U+0000) characters' : undefined;
}

/** Non-empty text; undefined (reported) when absent, empty, not a string or holding a NUL. */
export function requiredText(value: unknown, field: string, sink: Sink): string | undefined {
  if (isAbsent(value) || value === '') return void report(sink, field, 'is required');
  if (typeof value !== 'string') return void report(sink, field, 'must be a string');
  if (report(sink, field, nulProblem(value))) return undefined;
  return value;
}

/** Text of at most `maxChars` characters; undefined when absent or empty, or (reported) when invalid. */
export function optionalText(value: unknown, field: string, sink: Sink, maxChars: number): string | undefined {
  if (isAbsent(value) || value === '') return undefined;
  if (typeof value !== 'string') return void report(sink, field, 'must be a string');
  const length = charLength(value);
  if (length > maxChars) return void report(sink, field, `must be at most ${maxChars} characters (got ${length})`);
  if (report(sink, field, nulProblem(value))) return undefined;
  return value;
}

/** One of `options` (required); undefined (reported) when absent or not one of them. */
export function oneOf<T extends string>(value: unknown, options: readonly T[], field: string, sink: Sink): T | undefined {
  const list = options.join(', ');
  if (isAbsent(value) || value === '') return void report(sink, field, `is required: one of ${list}`);
  if (typeof value !== 'string' || !(options as readonly string[]).includes(value)) {
    return void report(sink, field, `must be one of ${list}`);
  }
  return value as T;
}

/** An integer in [min, max]; `fallback` when absent; undefined when absent without fallback or invalid. */
export function integerIn(value: unknown, field: string, sink: Sink, min: number, max: number, fallback?: number): number | undefined {
  if (isAbsent(value)) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    return void report(sink, field, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** Text, or the string form of a number or boolean (values are strings at run time). */
export function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') return String(value);
  return undefined;
}

/** The entries of a mapping of `what`; [] when absent, or (reported) when not a mapping. */
export function entriesOf(value: unknown, field: string, what: string, sink: Sink): [string, unknown][] {
  if (isAbsent(value)) return [];
  if (isFields(value)) return Object.entries(value);
  report(sink, field, `must be a mapping of ${what}`);
  return [];
}

/** The items of a list; [] when absent; undefined (reported) when not a list. */
export function itemsOf(value: unknown, field: string, what: string, sink: Sink): unknown[] | undefined {
  if (isAbsent(value)) return [];
  if (!Array.isArray(value)) return void report(sink, field, `must be a list of ${what}`);
  return value;
}

/**
 * Reports every present field of `value` not in `allowed`, under `base`, with
 * `hint`'s advice for the key or else a "did you mean" for a near miss.
 */
export function reportUnknownFields(value: Fields, allowed: readonly string[], base: string, sink: Sink, hint?: (key: string) => string | undefined): void {
  for (const key of Object.keys(value)) {
    // A converted wire message carries absent fields as undefined; only present ones can be typos.
    if (allowed.includes(key) || value[key] === undefined) continue;
    const extra = hint?.(key) ?? suggestion(key, allowed);
    sink.push({ field: base === '' ? key : `${base}.${key}`, description: extra ? `unknown field; ${extra}` : 'unknown field' });
  }
}

function suggestion(key: string, allowed: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const match =
    allowed.find((a) => a.toLowerCase() === lower) ??
    (key.length >= 4 && key.length <= 64 ? allowed.find((a) => Math.abs(a.length - key.length) <= 2 && editDistance(lower, a.toLowerCase()) <= 2) : undefined);
  return match && `did you mean '${match}'?`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length]!;
}

/** The length of `text` in characters (code points), as the description limits count it. */
export function charLength(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0xdc00 || code > 0xdfff) count++; // low surrogates continue a character
  }
  return count;
}

/** The size of `text` in UTF-8 bytes, as the value and recipe limits count it. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/** `value` quoted for a message, cut to its first 40 characters. */
export function preview(value: string): string {
  return value.length > 40 ? `'${value.slice(0, 40)}...'` : `'${value}'`;
}

/** `values` joined for a message, cut to the first 10. */
export function listPreview(values: readonly string[]): string {
  return values.length > 10 ? `${values.slice(0, 10).join(', ')}, ...` : values.join(', ');
}
