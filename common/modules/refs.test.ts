import { describe, expect, it } from 'vitest';

import {
  formatModuleReference,
  isPathUnderPrefix,
  isValidModulePath,
  moduleReferenceProblem,
  moduleTagProblem,
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

  it('parses and formats tag references', () => {
    expect(parseModuleReference('shop/shop:production')).toEqual({ path: 'shop/shop', tag: 'production' });
    expect(parseModuleReference('shop/shop:v1.2_rc-3')).toEqual({ path: 'shop/shop', tag: 'v1.2_rc-3' });
    expect(formatModuleReference({ path: 'shop/shop', tag: 'production' })).toBe('shop/shop:production');
    expect(formatModuleReference(parseModuleReference(`a:${'t'.repeat(63)}`)!)).toBe(`a:${'t'.repeat(63)}`);
  });

  it.each([
    ['shop/shop:', 'tag'],
    ['shop/shop:Production', 'tag'],
    ['shop/shop:1st', 'tag'],
    ['shop/shop:-x', 'tag'],
    ['shop/shop:a/b', 'tag'],
    [`shop/shop:${'t'.repeat(64)}`, 'tag'],
    ['shop/shop@7:production', 'cannot be combined'],
    ['shop/shop:production@7', 'cannot be combined'],
    ['shop/shop:a:b', 'cannot be combined'],
    [':production', 'path'],
  ])('rejects the tag reference %j, naming the %s', (text, words) => {
    expect(parseModuleReference(text)).toBeUndefined();
    expect(moduleReferenceProblem(text)).toContain(words);
    expect(moduleReferenceProblem(text)).toContain('path:TAG');
  });

  it('names what is wrong with a tag', () => {
    expect(moduleTagProblem('stable')).toBeUndefined();
    expect(moduleTagProblem('a')).toBeUndefined();
    expect(moduleTagProblem('Stable')).toMatch(/lowercase letter/);
    expect(moduleTagProblem('')).toMatch(/lowercase letter/);
  });

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
