/**
 * The request limits table against the contract: every repeated and map
 * field of every request message of every served service has a limit, so a
 * field added to a .proto cannot ship unbounded; and no entry names a field
 * that is gone.
 */
import { ScalarType, type DescField, type DescMessage } from '@bufbuild/protobuf';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { contractRegistry } from './contract-descriptors.js';
import { RequestGuard } from './request-guard.js';
import { ENTRY_LIMITS, STRING_BYTE_LIMITS } from './request-limits.js';
import { RequestScanner } from './request-scan.js';
import { LIBRARY_SERVICES, SERVED } from './server.js';

const registry = contractRegistry();
const services = [...SERVED, ...LIBRARY_SERVICES].map((name) => {
  const service = registry.getService(name);
  if (!service) throw new Error(`${name} is not in the descriptor set`);
  return service;
});

/** Every field of every message a request of these services can carry, reached from the method inputs. */
function requestFields(): { message: DescMessage; field: DescField }[] {
  const seen = new Set<string>();
  const fields: { message: DescMessage; field: DescField }[] = [];
  const visit = (message: DescMessage) => {
    if (seen.has(message.typeName)) return;
    seen.add(message.typeName);
    for (const field of message.fields) {
      fields.push({ message, field });
      if (field.message) visit(field.message);
    }
  };
  for (const service of services) for (const method of service.methods) visit(method.input);
  return fields;
}

const fullName = ({ message, field }: { message: DescMessage; field: DescField }) => `${message.typeName}.${field.name}`;

describe('request limits', () => {
  it('bound every repeated and map field of every request message of every served service', () => {
    const unbounded = requestFields()
      .filter(({ field }) => field.fieldKind === 'list' || field.fieldKind === 'map')
      .map(fullName)
      .filter((name) => ENTRY_LIMITS[name] === undefined);
    expect(unbounded, 'add these to ENTRY_LIMITS in controller/api/request-limits.ts').toEqual([]);
  });

  it('name only fields that exist: repeated or map fields for entries, string fields for bytes', () => {
    const byName = new Map(requestFields().map((f) => [fullName(f), f.field]));
    for (const [name, limit] of Object.entries(ENTRY_LIMITS)) {
      expect(['list', 'map'], name).toContain(byName.get(name)?.fieldKind);
      expect(Number.isSafeInteger(limit) && limit > 0, name).toBe(true);
    }
    for (const [name, limit] of Object.entries(STRING_BYTE_LIMITS)) {
      const field = byName.get(name);
      expect(field?.scalar, name).toBe(ScalarType.STRING);
      expect(Number.isSafeInteger(limit) && limit > 0, name).toBe(true);
    }
  });

  it('compile for every method served, and a field without a limit stops the guard from being built', () => {
    const guard = new RequestGuard(registry, pino({ level: 'silent' }));
    for (const service of services) {
      const definition = Object.fromEntries(service.methods.map((m) => [m.localName, stubMethod(`/${service.typeName}/${m.name}`)]));
      expect(() => guard.guard(definition)).not.toThrow();
    }
    const launch = registry.getService('slipstream.v1.RunService')!.methods.find((m) => m.name === 'LaunchRun')!.input;
    const without = Object.fromEntries(Object.entries(ENTRY_LIMITS).filter(([name]) => name !== 'slipstream.v1.LaunchRunRequest.tags'));
    const scanner = new RequestScanner({ entryLimits: without, stringLimits: {}, defaultStringBytes: 10, refuseNul: true });
    expect(() => scanner.plan(launch)).toThrow(/slipstream\.v1\.LaunchRunRequest\.tags has no entry limit/);
  });
});

function stubMethod(path: string) {
  const bytes = () => Buffer.alloc(0);
  return { path, requestStream: false, responseStream: false, requestSerialize: bytes, requestDeserialize: () => ({}), responseSerialize: bytes, responseDeserialize: () => ({}) };
}
