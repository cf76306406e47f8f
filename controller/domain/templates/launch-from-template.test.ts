import { describe, expect, it } from 'vitest';
import type { TemplateSpec } from '../../../common/templates/types.js';
import { mergeTemplateLaunch, templateViolations, type RequestedLaunch } from './launch-from-template.js';

const TEMPLATE: TemplateSpec = {
  name: 'ci',
  module: 'shop/shop',
  defaultCloud: 'aws-eu',
  nodeClouds: { db: 'gcp', web: 'azure' },
  parameters: { 'db:size': '10', 'web:port': '80' },
  multiplicities: { web: 2 },
  tags: ['ci', 'nightly'],
  keepRunning: 'never',
  scalable: true,
  timeoutMinutes: 20,
  sshPublicKeys: ['ssh-ed25519 AAAA team'],
};

const NOTHING: RequestedLaunch = {
  module: '',
  defaultCloud: '',
  nodeClouds: {},
  parameters: {},
  multiplicities: {},
  tags: [],
  keepRunning: undefined,
  scalable: false,
  timeoutMinutes: 0,
  sshPublicKeys: [],
};

describe('mergeTemplateLaunch', () => {
  it('a request that gives nothing launches the template as saved', () => {
    const { launch, origin } = mergeTemplateLaunch(TEMPLATE, 'ci@3', NOTHING);
    expect(launch).toEqual({
      module: 'shop/shop',
      defaultCloud: 'aws-eu',
      nodeClouds: { db: 'gcp', web: 'azure' },
      parameters: { 'db:size': '10', 'web:port': '80' },
      multiplicities: { web: 2 },
      tags: ['ci', 'nightly'],
      keepRunning: 'never',
      scalable: true,
      timeoutMinutes: 20,
      sshPublicKeys: ['ssh-ed25519 AAAA team'],
    });
    expect(origin.ref).toBe('ci@3');
    for (const field of ['module', 'default_cloud', 'node_clouds.db', 'parameters.web:port', 'multiplicities.web', 'tags[1]', 'keep_running', 'timeout_minutes', 'ssh_public_keys[0]']) {
      expect(origin.gave(field), field).toBe(true);
    }
  });

  it('given fields override: scalars when set, maps key by key, tags and keys added without repeats', () => {
    const { launch, origin } = mergeTemplateLaunch(TEMPLATE, 'ci@3', {
      module: 'shop/shop@2',
      defaultCloud: 'local',
      nodeClouds: { web: 'local' },
      parameters: { 'web:port': '8080', 'lb:port': '1' },
      multiplicities: { db: 0 },
      tags: ['nightly', 'manual'],
      keepRunning: 'always',
      scalable: false,
      timeoutMinutes: 5,
      sshPublicKeys: ['ssh-ed25519 BBBB me'],
    });
    expect(launch).toEqual({
      module: 'shop/shop@2',
      defaultCloud: 'local',
      nodeClouds: { db: 'gcp', web: 'local' },
      parameters: { 'db:size': '10', 'web:port': '8080', 'lb:port': '1' },
      multiplicities: { web: 2, db: 0 },
      tags: ['ci', 'nightly', 'manual'],
      keepRunning: 'always',
      // proto3 cannot tell "false" from "not given": a template's scalable stays.
      scalable: true,
      timeoutMinutes: 5,
      sshPublicKeys: ['ssh-ed25519 AAAA team', 'ssh-ed25519 BBBB me'],
    });
    for (const field of ['module', 'default_cloud', 'node_clouds.web', 'parameters.web:port', 'parameters.lb:port', 'multiplicities.db', 'tags[2]', 'keep_running', 'timeout_minutes', 'ssh_public_keys[1]']) {
      expect(origin.gave(field), field).toBe(false);
    }
    expect(origin.gave('node_clouds.db')).toBe(true);
    expect(origin.gave('parameters.db:size')).toBe(true);
    expect(origin.gave('tags[0]')).toBe(true);
  });

  it('a field neither gave (a default, a module-side field) is the request’s', () => {
    const bare: TemplateSpec = { ...TEMPLATE, defaultCloud: undefined, keepRunning: undefined, timeoutMinutes: undefined, tags: [] };
    const { origin } = mergeTemplateLaunch(bare, 'ci@1', NOTHING);
    for (const field of ['default_cloud', 'keep_running', 'timeout_minutes', 'tags[0]', 'tags', 'nodes.web.images.local', 'parameters.web:other']) {
      expect(origin.gave(field), field).toBe(false);
    }
  });
});

describe('templateViolations', () => {
  it('names the template’s fields and the template, and leaves the request’s alone', () => {
    const { origin } = mergeTemplateLaunch(TEMPLATE, 'ci@3', { ...NOTHING, parameters: { 'web:port': 'x' } });
    expect(
      templateViolations(
        [
          { field: 'parameters.db:size', description: 'must be an int' },
          { field: 'parameters.web:port', description: 'must be an int' },
          { field: 'ref', description: 'bad' },
        ],
        origin,
      ),
    ).toEqual([
      { field: 'template.parameters.db:size', description: 'must be an int (template ci@3)' },
      { field: 'parameters.web:port', description: 'must be an int' },
      { field: 'template.module', description: 'bad (template ci@3)' },
    ]);
  });
});
