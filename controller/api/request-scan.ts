/**
 * Checks a serialized request against its message descriptor without
 * decoding it: entry counts of repeated and map fields, string sizes and NUL
 * characters, and whether the bytes are well-formed protobuf at all. It reads
 * varints and skips lengths, allocating nothing but the violations, so a
 * hostile message costs a scan instead of the decode it would cost (16 MiB of
 * tiny map entries took the generated decoder 4.8 s and 190 MB here).
 */
import { ScalarType, type DescField, type DescMessage } from '@bufbuild/protobuf';
import type { FieldViolation } from '../../common/errors.js';

/** What a scan enforces; see request-limits.ts for the values. */
export interface ScanRules {
  /** Most entries, by full field name; every repeated and map field must have one. */
  entryLimits: Readonly<Record<string, number>>;
  /** Most UTF-8 bytes of a string field (elements of a list, values of a map), by full field name. */
  stringLimits: Readonly<Record<string, number>>;
  /** Most UTF-8 bytes of any other string (map keys included). */
  defaultStringBytes: number;
  /** Whether strings may not contain U+0000. */
  refuseNul: boolean;
}

/** The outcome of a scan: well-formed with these violations (maybe none), or malformed. */
export type ScanOutcome = { malformed: string } | { violations: FieldViolation[] };

/** Violations one scan collects at most before it stops looking. */
export const MAX_SCAN_VIOLATIONS = 1000;

interface StringRule {
  maxBytes: number;
  refuseNul: boolean;
}

interface FieldPlan {
  /** The proto field name, as violations name it. */
  name: string;
  /** A string field; a list's elements; a map's values. */
  string?: StringRule;
  /** A message field; a list's elements; a map's values. */
  message?: MessagePlan;
  /** Most entries of a repeated or map field. */
  maxEntries?: number;
  /** A repeated number or enum: its entries may come packed (`fixedSize` bytes each, or varints). */
  packable?: boolean;
  fixedSize?: number;
  /** A map field, with the rule of its keys when they are strings. */
  isMap?: boolean;
  mapKey?: StringRule;
}

interface MessagePlan {
  fields: Map<number, FieldPlan>;
  /** Fields that count entries. */
  counted: number[];
}

/** Where a violation is: a chain of field names, list indexes and map keys, rendered only when reported. */
interface PathNode {
  parent: PathNode | undefined;
  name: string;
  index: number;
  keyStart: number;
  keyEnd: number;
}

class Malformed extends Error {}
class Enough extends Error {}

const PLAIN_KEY = /^[A-Za-z0-9_.:@/-]{1,64}$/;

/** Compiles scan plans per message type (once each) and scans requests with them. */
export class RequestScanner {
  private readonly plans = new Map<string, MessagePlan>();

  constructor(private readonly rules: ScanRules) {}

  /**
   * The plan of a message type.
   *
   * @throws Error naming a repeated or map field that has no entry limit.
   */
  plan(desc: DescMessage): MessagePlan {
    const known = this.plans.get(desc.typeName);
    if (known) return known;
    const plan: MessagePlan = { fields: new Map(), counted: [] };
    this.plans.set(desc.typeName, plan);
    for (const field of desc.fields) {
      const compiled = this.fieldPlan(desc, field);
      if (!compiled) continue;
      plan.fields.set(field.number, compiled);
      if (compiled.maxEntries !== undefined) plan.counted.push(field.number);
    }
    return plan;
  }

  /** Scans `bytes`, an encoded message of the type `plan` was compiled for. */
  scan(bytes: Uint8Array, plan: MessagePlan): ScanOutcome {
    const scan = new Scan(bytes);
    try {
      scan.message(0, bytes.length, plan, undefined);
    } catch (err) {
      if (err instanceof Malformed) return { malformed: err.message };
      if (!(err instanceof Enough)) throw err;
      scan.violations.push({ field: '', description: `not checked further: a request is checked up to its first ${MAX_SCAN_VIOLATIONS} violations` });
    }
    return { violations: scan.violations };
  }

  private fieldPlan(desc: DescMessage, field: DescField): FieldPlan | undefined {
    const fullName = `${desc.typeName}.${field.name}`;
    const stringRule = (): StringRule => ({ maxBytes: this.rules.stringLimits[fullName] ?? this.rules.defaultStringBytes, refuseNul: this.rules.refuseNul });
    const maxEntries = () => {
      const limit = this.rules.entryLimits[fullName];
      if (limit === undefined) throw new Error(`${fullName} has no entry limit: add one to ENTRY_LIMITS (controller/api/request-limits.ts)`);
      return limit;
    };
    switch (field.fieldKind) {
      case 'scalar':
        return field.scalar === ScalarType.STRING ? { name: field.name, string: stringRule() } : undefined;
      case 'enum':
        return undefined;
      case 'message':
        return { name: field.name, message: this.plan(field.message) };
      case 'list':
        if (field.listKind === 'message') return { name: field.name, maxEntries: maxEntries(), message: this.plan(field.message) };
        if (field.listKind === 'scalar' && field.scalar === ScalarType.STRING) return { name: field.name, maxEntries: maxEntries(), string: stringRule() };
        if (field.listKind === 'scalar' && field.scalar === ScalarType.BYTES) return { name: field.name, maxEntries: maxEntries() };
        return { name: field.name, maxEntries: maxEntries(), packable: true, ...(field.listKind === 'scalar' && { fixedSize: FIXED_SIZES.get(field.scalar) }) };
      case 'map':
        return {
          name: field.name,
          maxEntries: maxEntries(),
          isMap: true,
          ...(field.mapKey === ScalarType.STRING && { mapKey: { maxBytes: this.rules.defaultStringBytes, refuseNul: this.rules.refuseNul } }),
          ...(field.mapKind === 'message' && { message: this.plan(field.message) }),
          ...(field.mapKind === 'scalar' && field.scalar === ScalarType.STRING && { string: stringRule() }),
        };
    }
  }
}

/** Bytes of each packed entry of the fixed-size scalar types (the others are varints). */
const FIXED_SIZES: ReadonlyMap<ScalarType, number> = new Map([
  [ScalarType.DOUBLE, 8],
  [ScalarType.FIXED64, 8],
  [ScalarType.SFIXED64, 8],
  [ScalarType.FLOAT, 4],
  [ScalarType.FIXED32, 4],
  [ScalarType.SFIXED32, 4],
]);

/** One scan of one request. */
class Scan {
  readonly violations: FieldViolation[] = [];
  private pos = 0;

  constructor(private readonly buf: Uint8Array) {}

  message(start: number, end: number, plan: MessagePlan, path: PathNode | undefined): void {
    const counts = plan.counted.length > 0 ? new Map<number, number>() : undefined;
    this.pos = start;
    while (this.pos < end) {
      const tag = this.varint(end);
      const number = Math.floor(tag / 8);
      const wireType = tag % 8;
      if (number === 0) throw new Malformed('field number 0');
      const field = plan.fields.get(number);
      if (wireType === 2) {
        const length = this.varint(end);
        if (length > end - this.pos) throw new Malformed(`a length of ${length} runs past the end`);
        const from = this.pos;
        this.pos += length;
        if (field) this.field(field, from, this.pos, path, counts, number);
        this.pos = from + length;
      } else if (wireType === 0) {
        this.varint(end);
        if (field?.packable) this.count(counts!, number);
      } else if (wireType === 1 || wireType === 5) {
        this.pos += wireType === 1 ? 8 : 4;
        if (this.pos > end) throw new Malformed('a fixed-size value runs past the end');
        if (field?.packable) this.count(counts!, number);
      } else {
        throw new Malformed(`wire type ${wireType}`);
      }
    }
    if (counts) {
      for (const number of plan.counted) {
        const field = plan.fields.get(number)!;
        const count = counts.get(number) ?? 0;
        if (count > field.maxEntries!) this.report(child(path, field.name), `at most ${field.maxEntries} entries, got ${count}`);
      }
    }
  }

  private field(field: FieldPlan, from: number, to: number, path: PathNode | undefined, counts: Map<number, number> | undefined, number: number): void {
    if (field.maxEntries === undefined) {
      if (field.string) this.string(field.string, from, to, child(path, field.name));
      else if (field.message) this.message(from, to, field.message, child(path, field.name));
      return;
    }
    if (field.packable) {
      this.count(counts!, number, field.fixedSize ? Math.floor((to - from) / field.fixedSize) : this.packedVarints(field, from, to));
      return;
    }
    const index = this.count(counts!, number) - 1;
    // Past the limit the field is reported once, at the end; its entries are not checked one by one.
    if (index >= field.maxEntries) return;
    if (field.isMap) return this.mapEntry(field, from, to, path);
    const at: PathNode = { parent: path, name: field.name, index, keyStart: -1, keyEnd: -1 };
    if (field.string) this.string(field.string, from, to, at);
    else if (field.message) this.message(from, to, field.message, at);
  }

  /** How many varints a packed field holds: one per byte that ends one. */
  private packedVarints(field: FieldPlan, from: number, to: number): number {
    let entries = 0;
    for (let i = from; i < to; i++) if (this.buf[i]! < 0x80) entries++;
    if (to > from && this.buf[to - 1]! >= 0x80) throw new Malformed(`packed ${field.name} ends inside a varint`);
    return entries;
  }

  /** A map entry: key (1) and value (2); every occurrence is checked (the decoder decodes every one). */
  private mapEntry(field: FieldPlan, from: number, to: number, path: PathNode | undefined): void {
    const at: PathNode = { parent: path, name: field.name, index: -1, keyStart: -1, keyEnd: -1 };
    for (const pass of ['find key', 'check'] as const) {
      this.pos = from;
      while (this.pos < to) {
        const tag = this.varint(to);
        const number = Math.floor(tag / 8);
        const wireType = tag % 8;
        if (number === 0) throw new Malformed('field number 0');
        if (wireType !== 2) {
          if (wireType === 0) this.varint(to);
          else if (wireType === 1 || wireType === 5) this.pos += wireType === 1 ? 8 : 4;
          else throw new Malformed(`wire type ${wireType}`);
          if (this.pos > to) throw new Malformed('a fixed-size value runs past the end');
          continue;
        }
        const length = this.varint(to);
        if (length > to - this.pos) throw new Malformed(`a length of ${length} runs past the end`);
        const start = this.pos;
        const end = start + length;
        if (pass === 'find key' && number === 1) [at.keyStart, at.keyEnd] = [start, end];
        if (pass === 'check') {
          if (number === 1 && field.mapKey) this.string(field.mapKey, start, end, at, 'key: ');
          else if (number === 2 && field.string) this.string(field.string, start, end, at);
          else if (number === 2 && field.message) this.message(start, end, field.message, at);
        }
        this.pos = end;
      }
    }
    this.pos = to;
  }

  private string(rule: StringRule, from: number, to: number, path: PathNode, what = ''): void {
    const bytes = to - from;
    if (bytes > rule.maxBytes) this.report(path, `${what}at most ${rule.maxBytes} bytes of UTF-8, got ${bytes}`);
    else if (rule.refuseNul && bytes > 0 && this.buf.subarray(from, to).indexOf(0) !== -1) this.report(path, `${what}must not contain NUL (U+0000) characters`);
  }

  private count(counts: Map<number, number>, number: number, by = 1): number {
    const count = (counts.get(number) ?? 0) + by;
    counts.set(number, count);
    return count;
  }

  private varint(end: number): number {
    let value = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (this.pos >= end) throw new Malformed('a varint runs past the end');
      const byte = this.buf[this.pos++]!;
      if (shift < 49) value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
    throw new Malformed('a varint longer than 10 bytes');
  }

  private report(path: PathNode, description: string): void {
    if (this.violations.length >= MAX_SCAN_VIOLATIONS) throw new Enough();
    this.violations.push({ field: render(path, this.buf), description });
  }
}

function child(parent: PathNode | undefined, name: string): PathNode {
  return { parent, name, index: -1, keyStart: -1, keyEnd: -1 };
}

/** `spec.component.parameters[3].values[2]`, `parameters.web:port`, `settings["a b"]`. */
function render(path: PathNode, buf: Uint8Array): string {
  const parts: string[] = [];
  for (let node: PathNode | undefined = path; node; node = node.parent) {
    let part = node.name;
    if (node.index >= 0) part += `[${node.index}]`;
    else if (node.keyStart >= 0) {
      const key = Buffer.from(buf.buffer, buf.byteOffset + node.keyStart, Math.min(node.keyEnd - node.keyStart, 256)).toString('utf8');
      part += PLAIN_KEY.test(key) ? `.${key}` : `[${JSON.stringify(key.slice(0, 64))}]`;
    }
    parts.push(part);
  }
  return parts.reverse().join('.');
}
