import { describe, expect, it } from 'vitest';

import {
  formatModuleReference,
  isPathUnderPrefix,
  isValidModulePath,
  parameterNameProblem,
  parseMappingSource,
  parseModuleReference,
} from './refs.js';

describe('module paths and references', () => {
  it.each(['a', 'acme/db', 'Acme/db-2/v1.0_x', `${'a'.repeat(63)}/b`, 'a/b/c/d/e/f/g/h/i/j'])('accepts the path %s', (path) => {
    expect(isValidModulePath(path)).toBe(true);
  });

  it.each(['', '/a', 'a/', 'a//b', 'a/../b', 'a/b..c', '.a', '-a', 'a b', 'a@1', 'a:b', 'a'.repeat(64), 'a/b/c/d/e/f/g/h/i/j/k'])(
    'rejects the path %j',
    (path) => {
      expect(isValidModulePath(path)).toBe(false);
    },
  );

  it('parses and formats references', () => {
    expect(parseModuleReference('acme/db')).toEqual({ path: 'acme/db' });
    expect(parseModuleReference('acme/db@12')).toEqual({ path: 'acme/db', version: 12 });
    expect(formatModuleReference({ path: 'acme/db', version: 12 })).toBe('acme/db@12');
    expect(formatModuleReference({ path: 'acme/db' })).toBe('acme/db');
  });

  it.each(['acme/db@', 'acme/db@0', 'acme/db@01', 'acme/db@-1', 'acme/db@1.5', 'acme/db@1@2', 'acme/db@99999999999999999', '@1'])(
    'rejects the reference %j',
    (text) => {
      expect(parseModuleReference(text)).toBeUndefined();
    },
  );

  it('has folder semantics for prefixes', () => {
    expect(isPathUnderPrefix('a/b', 'a/b')).toBe(true);
    expect(isPathUnderPrefix('a/b/c', 'a/b')).toBe(true);
    expect(isPathUnderPrefix('a/b/c', 'a/b/')).toBe(true);
    expect(isPathUnderPrefix('a/bc', 'a/b')).toBe(false);
    expect(isPathUnderPrefix('a', 'a/b')).toBe(false);
    expect(isPathUnderPrefix('anything', '')).toBe(true);
  });
});

describe('parameter names and mapping sources', () => {
  it('reserves built-in names whatever their case', () => {
    expect(parameterNameProblem('port')).toBeUndefined();
    expect(parameterNameProblem('IP')).toContain('built-in');
    expect(parameterNameProblem('url-ssh')).toBeUndefined();
  });

  it('parses every source form', () => {
    expect(parseMappingSource("'a:b''c'")).toEqual({ ok: true, source: { kind: 'literal', value: "a:b''c" } });
    expect(parseMappingSource('db:dsn')).toEqual({ ok: true, source: { kind: 'instance', node: 'db', instance: 1, parameter: 'dsn' } });
    expect(parseMappingSource('db.12:url.ssh')).toEqual({ ok: true, source: { kind: 'instance', node: 'db', instance: 12, parameter: 'url.ssh' } });
    expect(parseMappingSource('ss:url.service')).toEqual({ ok: true, source: { kind: 'run', parameter: 'url.service' } });
  });

  it.each(["'x", "x'", "'", '"x"', 'x', 'db.0:a', 'db.01:a', 'db.:a', 'Db:a', 'db:', 'db:a.b', 'db:a:b', 'ss.1:a', 'ss:'])(
    'rejects the source %j',
    (text) => {
      expect(parseMappingSource(text).ok).toBe(false);
    },
  );
});
