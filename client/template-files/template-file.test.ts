import { describe, expect, it } from 'vitest';
import { parseTemplateFile, templateToYaml } from './template-file.js';

describe('template files', () => {
  it('reads every field; parameter values may be numbers or booleans', () => {
    const parsed = parseTemplateFile(`name: ci
module: shop/shop:production
description: CI
defaultCloud: local
nodeClouds: { db: local }
parameters:
  db:port: 5432
  web:debug: true
  web:name: shop
multiplicities: { web: 0 }
tags: [ci]
keepRunning: on-error
scalable: true
timeoutMinutes: 15
sshPublicKeys: ["ssh-ed25519 AAAA me"]
`);
    expect(parsed.violations).toEqual([]);
    expect(parsed.content).toEqual({
      name: 'ci',
      module: 'shop/shop:production',
      description: 'CI',
      defaultCloud: 'local',
      nodeClouds: { db: 'local' },
      parameters: { 'db:port': '5432', 'web:debug': 'true', 'web:name': 'shop' },
      multiplicities: { web: 0 },
      tags: ['ci'],
      keepRunning: 'on-error',
      scalable: true,
      timeoutMinutes: 15,
      sshPublicKeys: ['ssh-ed25519 AAAA me'],
    });
  });

  it('names every problem at once, by key', () => {
    const parsed = parseTemplateFile(`module: 7
nodeClouds: { db: 1 }
parameters: { "db:x": [1] }
multiplicities: { web: 1.5, db: -1 }
tags: ci
keepRunning: sometimes
scalable: yes
timeoutMinutes: 0
colour: blue
`);
    expect(parsed.content).toBeUndefined();
    expect(parsed.violations.map((v) => v.field)).toEqual([
      'module',
      'nodeClouds.db',
      'parameters.db:x',
      'multiplicities.web',
      'multiplicities.db',
      'tags',
      'keepRunning',
      'scalable',
      'timeoutMinutes',
      'colour',
    ]);
  });

  it('refuses what is not a mapping, or not YAML', () => {
    expect(parseTemplateFile('- a\n- b\n').violations[0]?.description).toMatch(/mapping/);
    expect(parseTemplateFile('a: [\n').violations[0]?.description).toMatch(/^not YAML/);
    expect(parseTemplateFile('a: 1\na: 2\n').violations[0]?.description).toMatch(/^not YAML/);
  });

  it('writes the canonical file, which reads back to the same content', () => {
    const spec = {
      name: 'ci',
      module: 'shop/shop',
      nodeClouds: {},
      parameters: { 'web:port': '80', 'db:port': '5432' },
      multiplicities: { web: 2 },
      tags: ['ci'],
      scalable: false,
      sshPublicKeys: [],
      timeoutMinutes: 10,
    };
    const text = templateToYaml(spec);
    expect(text).toBe('name: ci\nmodule: shop/shop\nparameters:\n  db:port: "5432"\n  web:port: "80"\nmultiplicities:\n  web: 2\ntags:\n  - ci\ntimeoutMinutes: 10\n');
    expect(parseTemplateFile(text).content).toEqual({ name: 'ci', module: 'shop/shop', parameters: { 'db:port': '5432', 'web:port': '80' }, multiplicities: { web: 2 }, tags: ['ci'], timeoutMinutes: 10 });
  });
});
