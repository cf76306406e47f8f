/**
 * Random protobuf messages of any type in the contract, built from its
 * descriptors (proto/gen/descriptor.binpb), as fast-check arbitraries: every
 * field kind (scalars at their edges, unknown enum values, nested messages,
 * oneofs, lists and maps, sometimes long), strings mixed from random text,
 * NUL and other hostile characters, and values a fixture knows to be real
 * (a run id, a module path), so that calls get past the first checks.
 */
import { create, toBinary, ScalarType, type DescField, type DescMessage, type Message } from '@bufbuild/protobuf';
import fc from 'fast-check';

/** Strings that real calls use (ids, paths, keys), mixed into random strings by the fuzzer. */
export interface KnownValues {
  strings: readonly string[];
}

/** How big random messages may get. */
export interface MessageShape {
  /** Nesting depth after which message fields are left unset. */
  maxDepth: number;
  /** Longest list or map in the common case. */
  maxEntries: number;
  /** Longest list or map in the rare big case (bounds the request size). */
  maxBigEntries: number;
  /** Longest string in the common case. */
  maxStringLength: number;
}

export const DEFAULT_SHAPE: MessageShape = { maxDepth: 4, maxEntries: 4, maxBigEntries: 3_000, maxStringLength: 40 };

const HOSTILE_STRINGS = ['', '\0', 'a\0b', '\u0000\u0000', '\uFFFF', '\uD800', '../../etc/passwd', "'; drop table runs; --", '%s%n', ' ', '\n'];

const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };
const UINT32 = { min: 0, max: 2 ** 32 - 1 };

/** Random strings: printable, any code point, hostile constants, known values, or long. */
function stringArbitrary(known: KnownValues, shape: MessageShape): fc.Arbitrary<string> {
  const pieces: fc.Arbitrary<string>[] = [
    fc.string({ maxLength: shape.maxStringLength }),
    fc.string({ unit: 'binary', maxLength: shape.maxStringLength }),
    fc.constantFrom(...HOSTILE_STRINGS),
    fc.string({ unit: 'binary-ascii', minLength: 1_000, maxLength: 70_000 }),
  ];
  if (known.strings.length > 0) {
    const knownValue = fc.constantFrom(...known.strings);
    pieces.push(knownValue, knownValue, fc.tuple(knownValue, fc.constantFrom('\0', '/x', ':', '.1', '@1')).map(([a, b]) => a + b));
  }
  return fc.oneof(...pieces);
}

function scalarArbitrary(scalar: ScalarType, known: KnownValues, shape: MessageShape): fc.Arbitrary<unknown> {
  switch (scalar) {
    case ScalarType.STRING:
      return stringArbitrary(known, shape);
    case ScalarType.BYTES:
      return fc.uint8Array({ maxLength: 256 });
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return fc.double();
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return fc.oneof(fc.integer({ min: -3, max: 20 }), fc.integer(INT32), fc.constantFrom(INT32.min, INT32.max));
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer(UINT32), fc.constant(UINT32.max));
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return fc.oneof(fc.bigInt({ min: -3n, max: 20n }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }));
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return fc.oneof(fc.bigInt({ min: 0n, max: 20n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }));
  }
}

/**
 * Builds arbitraries for every message type on demand, memoized per type and
 * depth (recursive types such as google.protobuf.Struct stop at maxDepth).
 */
export class MessageArbitraries {
  private readonly memo = new Map<string, fc.Arbitrary<Message>>();

  constructor(
    private readonly known: KnownValues,
    private readonly shape: MessageShape = DEFAULT_SHAPE,
  ) {}

  /** A random message of this type. */
  message(desc: DescMessage, depth = 0): fc.Arbitrary<Message> {
    const id = `${desc.typeName}@${depth}`;
    let arbitrary = this.memo.get(id);
    if (!arbitrary) {
      arbitrary = this.build(desc, depth);
      this.memo.set(id, arbitrary);
    }
    return arbitrary;
  }

  /** A random message of this type in its wire form. */
  bytes(desc: DescMessage): fc.Arbitrary<Uint8Array> {
    return this.message(desc).map((m) => toBinary(desc, m));
  }

  private build(desc: DescMessage, depth: number): fc.Arbitrary<Message> {
    if (depth > this.shape.maxDepth) return fc.constant(create(desc));
    const record: Record<string, fc.Arbitrary<unknown>> = {};
    for (const field of desc.fields) {
      if (field.oneof) continue;
      record[field.localName] = this.field(field, depth);
    }
    const oneofs = desc.oneofs.map((oneof) =>
      fc.option(fc.oneof(...oneof.fields.map((f) => this.field(f, depth).map((value) => ({ case: f.localName, value })))), { nil: undefined }).map((value) => [oneof.localName, value] as const),
    );
    return fc.tuple(fc.record(record, { requiredKeys: [] }), fc.tuple(...oneofs)).map(([fields, chosen]) => {
      const init: Record<string, unknown> = { ...fields };
      for (const [name, value] of chosen) if (value) init[name] = value;
      return create(desc, init as never);
    });
  }

  private field(field: DescField, depth: number): fc.Arbitrary<unknown> {
    switch (field.fieldKind) {
      case 'scalar':
        return scalarArbitrary(field.scalar, this.known, this.shape);
      case 'enum':
        return this.enumValue(field.enum.values.map((v) => v.number));
      case 'message':
        return this.message(field.message, depth + 1);
      case 'list': {
        const element =
          field.listKind === 'scalar'
            ? scalarArbitrary(field.scalar, this.known, this.shape)
            : field.listKind === 'enum'
              ? this.enumValue(field.enum.values.map((v) => v.number))
              : this.message(field.message, depth + 1);
        return this.entries((n) => fc.array(element, { maxLength: n }));
      }
      case 'map': {
        const key = scalarArbitrary(field.mapKey, this.known, this.shape).map((k) => (typeof k === 'bigint' ? k.toString() : String(k)));
        const value =
          field.mapKind === 'scalar'
            ? scalarArbitrary(field.scalar, this.known, this.shape)
            : field.mapKind === 'enum'
              ? this.enumValue(field.enum.values.map((v) => v.number))
              : this.message(field.message, depth + 1);
        return this.entries((n) => fc.dictionary(key, value, { maxKeys: n, noNullPrototype: true }));
      }
    }
  }

  /** Usually a short collection; one time in twenty a big one (limits, memory). */
  private entries<T>(of: (maxLength: number) => fc.Arbitrary<T>): fc.Arbitrary<T> {
    return fc.oneof({ weight: 19, arbitrary: of(this.shape.maxEntries) }, { weight: 1, arbitrary: of(this.shape.maxBigEntries) });
  }

  private enumValue(known: number[]): fc.Arbitrary<number> {
    return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: fc.integer({ min: -5, max: 1_000 }) });
  }
}

/**
 * Damages an encoded message the ways a broken or hostile peer would: flipped
 * bytes, a cut, bytes appended, or nothing but random bytes.
 */
export function mutatedBytes(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  const flip = fc.tuple(valid, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 })).map(([bytes, flips]) => {
    const out = Uint8Array.from(bytes);
    if (out.length === 0) return Uint8Array.of(...flips.map(([, b]) => b));
    for (const [at, value] of flips) out[at % out.length] = value;
    return out;
  });
  const cut = fc.tuple(valid, fc.nat()).map(([bytes, at]) => bytes.subarray(0, bytes.length === 0 ? 0 : at % bytes.length));
  const appended = fc.tuple(valid, fc.uint8Array({ minLength: 1, maxLength: 32 })).map(([bytes, tail]) => Uint8Array.from([...bytes, ...tail]));
  const noise = fc.uint8Array({ maxLength: 512 });
  return fc.oneof(flip, cut, appended, noise);
}
