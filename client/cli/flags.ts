/** Parsers of flag values; they throw commander's InvalidArgumentError, which names the flag. */
import { InvalidArgumentError } from 'commander';

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

/** `30d`, `12h`, `90m`, `3600s` -> seconds (> 0). */
export function parseDurationSeconds(value: string): number {
  const match = /^([0-9]+)([smhd])$/.exec(value.trim());
  const amount = match ? Number(match[1]) : NaN;
  if (!match || !Number.isSafeInteger(amount) || amount <= 0) {
    throw new InvalidArgumentError('expected a positive duration with a unit: 30d, 12h, 90m or 3600s');
  }
  return amount * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
}

/** Appends a repeatable flag's value: `--tag a --tag b` -> ['a', 'b']. */
export function collect(value: string, previous: readonly string[] = []): string[] {
  return [...previous, value];
}

/** A whole number from `min` up: `--timeout 30`, `-n 2`. */
export function parseIntAtLeast(min: number): (value: string) => number {
  return (value) => {
    const n = /^[0-9]+$/.test(value.trim()) ? Number(value.trim()) : NaN;
    if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`expected a whole number >= ${min}`);
    return n;
  };
}

/** Splits `name=value` at the first `=`; both sides must be non-empty unless `emptyValue`. */
function splitAssignment(value: string, expected: string, emptyValue = false): [string, string] {
  const at = value.indexOf('=');
  const name = at < 0 ? '' : value.slice(0, at).trim();
  const rhs = at < 0 ? '' : value.slice(at + 1);
  if (name === '' || (!emptyValue && rhs.trim() === '')) throw new InvalidArgumentError(`expected ${expected}`);
  return [name, emptyValue ? rhs : rhs.trim()];
}

/** Repeatable `--param node:key=value` -> `{ 'node:key': value }` (a later value wins; the value may be empty). */
export function parseNodeParameter(value: string, previous: Readonly<Record<string, string>> = {}): Record<string, string> {
  const [key, rhs] = splitAssignment(value, 'NODE:KEY=VALUE', true);
  if (!/^[^:\s]+:[^:\s]+$/.test(key)) throw new InvalidArgumentError('expected NODE:KEY=VALUE');
  return { ...previous, [key]: rhs };
}

/** Repeatable `--set key=value` -> `{ key: value }` (a later value wins). */
export function parseKeyValue(value: string, previous: Readonly<Record<string, string>> = {}): Record<string, string> {
  const [key, rhs] = splitAssignment(value, 'KEY=VALUE');
  return { ...previous, [key]: rhs };
}

/** Repeatable `--cloud node=cloud` -> `{ node: cloud }`. */
export function parseNodeCloud(value: string, previous: Readonly<Record<string, string>> = {}): Record<string, string> {
  const [node, cloud] = splitAssignment(value, 'NODE=CLOUD');
  return { ...previous, [node]: cloud };
}

/** Repeatable `--multiplicity node=N` (N >= 0) -> `{ node: N }`. */
export function parseNodeMultiplicity(value: string, previous: Readonly<Record<string, number>> = {}): Record<string, number> {
  const [node, count] = splitAssignment(value, 'NODE=N with N a whole number >= 0');
  const n = /^[0-9]+$/.test(count) ? Number(count) : NaN;
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('expected NODE=N with N a whole number >= 0');
  return { ...previous, [node]: n };
}

/** A repeatable flag restricted to `choices`: `--state Ready --state Done`. */
export function collectChoice<T extends string>(choices: readonly T[]): (value: string, previous?: readonly T[]) => T[] {
  return (value, previous = []) => {
    if (!(choices as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${choices.join(', ')}`);
    return [...previous, value as T];
  };
}

/** `web.2`: a node instance. */
export function parseInstanceName(value: string): string {
  if (!/^[^.:\s]+\.[0-9]+$/.test(value)) throw new InvalidArgumentError('expected an instance: NODE.N, e.g. web.1');
  return value;
}
