import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ModuleSpec, SaveModuleRequest, type ComponentSpec, type DeepPartial } from '../../proto/gen/slipstream/v1/modules.js';
import { GetRunRequest, LaunchRunRequest, ListRunsRequest, RunState, ScaleRunRequest } from '../../proto/gen/slipstream/v1/runs.js';
import { contractRegistry } from './contract-descriptors.js';
import { DEFAULT_STRING_BYTES, ENTRY_LIMITS, STRING_BYTE_LIMITS } from './request-limits.js';
import { MAX_SCAN_VIOLATIONS, RequestScanner, type ScanOutcome } from './request-scan.js';

const registry = contractRegistry();
const scanner = new RequestScanner({ entryLimits: ENTRY_LIMITS, stringLimits: STRING_BYTE_LIMITS, defaultStringBytes: DEFAULT_STRING_BYTES, refuseNul: true });
const planOf = (typeName: string) => scanner.plan(registry.getMessage(typeName)!);
const scan = (typeName: string, bytes: Uint8Array): ScanOutcome => scanner.scan(bytes, planOf(typeName));
const violations = (typeName: string, bytes: Uint8Array) => {
  const outcome = scan(typeName, bytes);
  if ('malformed' in outcome) throw new Error(`malformed: ${outcome.malformed}`);
  return outcome.violations;
};

const launch = (fields: Partial<LaunchRunRequest>) => LaunchRunRequest.encode(LaunchRunRequest.fromPartial(fields)).finish();
const component = (body: DeepPartial<ComponentSpec>): DeepPartial<ModuleSpec> => ({ path: 'a/b', kind: { $case: 'component', value: body } });
const save = (spec: DeepPartial<ModuleSpec>) => SaveModuleRequest.encode(SaveModuleRequest.fromPartial({ spec: ModuleSpec.fromPartial(spec), message: 'm' })).finish();
const entries = (n: number, value: (i: number) => string = () => 'v') => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, value(i)]));

describe('request scan', () => {
  it('passes a real request untouched', () => {
    const bytes = launch({ module: 'shop/shop@3', parameters: { 'web:greeting': 'Hi', 'db:size': '10' }, tags: ['ci', 'nightly'], sshPublicKeys: ['ssh-ed25519 AAAA me'], multiplicities: { web: 2 } });
    expect(violations('slipstream.v1.LaunchRunRequest', bytes)).toEqual([]);
  });

  it('counts map entries and names the field with the limit and the count', () => {
    expect(violations('slipstream.v1.LaunchRunRequest', launch({ parameters: entries(1000) }))).toEqual([]);
    expect(violations('slipstream.v1.LaunchRunRequest', launch({ parameters: entries(1001) }))).toEqual([
      { field: 'parameters', description: 'at most 1000 entries, got 1001' },
    ]);
  });

  it('counts repeated enums packed and unpacked alike', () => {
    const states = Array.from({ length: 33 }, () => RunState.RUN_STATE_READY);
    const packed = ListRunsRequest.encode(ListRunsRequest.fromPartial({ states })).finish();
    expect(violations('slipstream.v1.ListRunsRequest', packed)).toEqual([{ field: 'states', description: 'at most 32 entries, got 33' }]);
    const unpacked = Buffer.concat(states.map((s) => Buffer.from([0x08, s])));
    expect(violations('slipstream.v1.ListRunsRequest', unpacked)).toEqual([{ field: 'states', description: 'at most 32 entries, got 33' }]);
    expect(ListRunsRequest.decode(unpacked).states).toHaveLength(33);
  });

  it('bounds strings in UTF-8 bytes, by the field’s own limit or the default', () => {
    const id = (text: string) => GetRunRequest.encode({ id: text }).finish();
    expect(violations('slipstream.v1.GetRunRequest', id('x'.repeat(DEFAULT_STRING_BYTES)))).toEqual([]);
    expect(violations('slipstream.v1.GetRunRequest', id('é'.repeat(DEFAULT_STRING_BYTES / 2 + 1)))).toEqual([
      { field: 'id', description: `at most ${DEFAULT_STRING_BYTES} bytes of UTF-8, got ${DEFAULT_STRING_BYTES + 2}` },
    ]);
    const value = STRING_BYTE_LIMITS['slipstream.v1.LaunchRunRequest.parameters']!;
    expect(violations('slipstream.v1.LaunchRunRequest', launch({ parameters: { 'web:x': 'v'.repeat(value) } }))).toEqual([]);
    expect(violations('slipstream.v1.LaunchRunRequest', launch({ parameters: { 'web:x': 'v'.repeat(value + 1) } }))).toEqual([
      { field: 'parameters.web:x', description: `at most ${value} bytes of UTF-8, got ${value + 1}` },
    ]);
  });

  it('finds NUL anywhere, naming the path through lists, oneofs and maps (keys quoted when they are not plain)', () => {
    const bytes = save(
      component({
        images: { local: 'img\0' },
        parameters: [{ name: 'a' }, { name: 'b', description: 'x\0y', values: ['ok', '\0'] }],
        resources: { clouds: { aws: { options: { 'type\0': 'big' } } } },
        recipes: { deployment: 'echo \0' },
      }),
    );
    expect(violations('slipstream.v1.SaveModuleRequest', bytes)).toEqual([
      { field: 'spec.component.images.local', description: 'must not contain NUL (U+0000) characters' },
      { field: 'spec.component.resources.clouds.aws.options["type\\u0000"]', description: 'key: must not contain NUL (U+0000) characters' },
      { field: 'spec.component.recipes.deployment', description: 'must not contain NUL (U+0000) characters' },
      { field: 'spec.component.parameters[1].values[1]', description: 'must not contain NUL (U+0000) characters' },
      { field: 'spec.component.parameters[1].description', description: 'must not contain NUL (U+0000) characters' },
    ]);
  });

  it('checks every occurrence of a message field, not only the one a decoder keeps', () => {
    const big = SaveModuleRequest.encode(SaveModuleRequest.fromPartial({ spec: ModuleSpec.fromPartial(component({ images: entries(101) })) })).finish();
    const small = save(component({}));
    const twice = Buffer.concat([big, small]);
    expect(violations('slipstream.v1.SaveModuleRequest', twice)).toEqual([{ field: 'spec.component.images', description: 'at most 100 entries, got 101' }]);
  });

  it('stops after enough violations instead of collecting one per string of a huge request', () => {
    const instances = Array.from({ length: 5000 }, () => '\0');
    const found = violations('slipstream.v1.ScaleRunRequest', ScaleRunRequest.encode(ScaleRunRequest.fromPartial({ instances })).finish());
    expect(found).toHaveLength(MAX_SCAN_VIOLATIONS + 1);
    expect(found[0]).toEqual({ field: 'instances[0]', description: 'must not contain NUL (U+0000) characters' });
    expect(found.at(-1)!.description).toMatch(/not checked further/);
  });

  it.each([
    ['a length past the end', [0x0a, 0x05, 0x61]],
    ['a varint cut short', [0x08, 0x80]],
    ['a varint of 11 bytes', [0x08, ...Array(10).fill(0xff), 0x01]],
    ['field number 0', [0x00, 0x01]],
    ['a start-group wire type', [0x0b]],
    ['an end-group wire type', [0x0c]],
    ['wire type 6', [0x0e]],
    ['a fixed64 cut short', [0x09, 1, 2, 3]],
    ['a packed enum ending inside a varint', [0x0a, 0x01, 0x80]],
  ])('calls %s malformed', (_, bytes) => {
    expect('malformed' in scan('slipstream.v1.ListRunsRequest', Uint8Array.from(bytes as number[]))).toBe(true);
  });

  it('walks nested messages with nothing to check too: a field number 0 inside one is malformed (found by the property below, seed 2030232858)', () => {
    const bytes = Buffer.from([10, 48, 10, 3, 97, 47, 98, 26, 41, 18, 10, 10, 5, 108, 111, 99, 97, 108, 18, 1, 120, 0, 19, 34, 17, 10, 3, 97, 119, 115, 18, 10, 10, 8, 10, 1, 116, 18, 3, 98, 105, 103, 42, 6, 10, 1, 112, 34, 1, 97, 18, 1, 109]);
    expect(() => SaveModuleRequest.decode(bytes)).toThrow();
    expect('malformed' in scan('slipstream.v1.SaveModuleRequest', bytes)).toBe(true);
  });

  it('never passes bytes the generated decoder cannot decode (random and mutated requests)', () => {
    const real = Buffer.from(save(component({ images: { local: 'x' }, parameters: [{ name: 'p', values: ['a'] }], resources: { clouds: { aws: { options: { t: 'big' } } } } })));
    const mutated = fc
      .array(fc.tuple(fc.nat({ max: real.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 })
      .map((edits) => {
        const copy = Buffer.from(real);
        for (const [at, byte] of edits) copy[at] = byte;
        return copy;
      });
    const bytes = fc.oneof(fc.uint8Array({ maxLength: 64 }), mutated, fc.nat({ max: real.length }).map((n) => real.subarray(0, n)));
    fc.assert(
      fc.property(bytes, (candidate) => {
        const outcome = scan('slipstream.v1.SaveModuleRequest', candidate);
        if (!('malformed' in outcome)) expect(() => SaveModuleRequest.decode(candidate)).not.toThrow();
      }),
      { numRuns: 2000 },
    );
  });
});
