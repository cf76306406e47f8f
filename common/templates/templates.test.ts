import { describe, expect, it } from 'vitest';
import { canonicalTemplate, templateContentHash } from './canonical.js';
import { formatTemplateReference, parseTemplateReference, templateNameProblem, templateReferenceProblem } from './refs.js';
import type { TemplateSpec } from './types.js';

const SPEC: TemplateSpec = {
  name: 'ci',
  module: 'shop/shop',
  nodeClouds: { web: 'a', db: 'b' },
  parameters: { 'web:x': '1', 'db:y': '2' },
  multiplicities: {},
  tags: ['b', 'a', 'b'],
  scalable: false,
  sshPublicKeys: [],
};

describe('template names and references', () => {
  it.each(['ci', 'shop-ci', 'shop.staging_2', '0day', 'a'.repeat(63)])('%s is a name', (name) => {
    expect(templateNameProblem(name)).toBeUndefined();
    expect(parseTemplateReference(`${name}@12`)).toEqual({ name, version: 12 });
  });

  it.each(['', 'CI', '-ci', 'a b', 'shop/ci', 'a'.repeat(64), 'ci@1'])('%j is not a name', (name) => {
    expect(templateNameProblem(name)).toBeDefined();
  });

  it('references are name or name@N (N >= 1)', () => {
    expect(parseTemplateReference('ci')).toEqual({ name: 'ci' });
    for (const bad of ['ci@', 'ci@0', 'ci@-1', 'ci@1.5', 'ci@x', '@1', 'ci@1@2']) {
      expect(parseTemplateReference(bad), bad).toBeUndefined();
      expect(templateReferenceProblem(bad), bad).toMatch(/NAME or NAME@VERSION/);
    }
    expect(formatTemplateReference({ name: 'ci', version: 3 })).toBe('ci@3');
    expect(formatTemplateReference({ name: 'ci' })).toBe('ci');
  });
});

describe('canonical templates', () => {
  it('sorts maps, drops repeated tags and empty optional fields: equal content, equal hash', () => {
    expect(JSON.stringify(canonicalTemplate(SPEC))).toBe(
      JSON.stringify({
        name: 'ci',
        module: 'shop/shop',
        nodeClouds: { db: 'b', web: 'a' },
        parameters: { 'db:y': '2', 'web:x': '1' },
        multiplicities: {},
        tags: ['b', 'a'],
        scalable: false,
        sshPublicKeys: [],
      }),
    );
    const reordered: TemplateSpec = { ...SPEC, nodeClouds: { db: 'b', web: 'a' }, tags: ['b', 'a'], description: '', timeoutMinutes: 0 };
    expect(templateContentHash(reordered)).toBe(templateContentHash(SPEC));
    expect(templateContentHash({ ...SPEC, tags: ['a', 'b'] })).not.toBe(templateContentHash(SPEC));
    expect(templateContentHash({ ...SPEC, keepRunning: 'never' })).not.toBe(templateContentHash(SPEC));
  });
});
