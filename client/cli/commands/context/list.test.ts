import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeConfig } from '../../config/file.js';
import { createTestDeps } from '../../test-io.js';
import { run } from './list.js';

let dir: string;
let configPath: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipstream-context-list-'));
  configPath = join(dir, 'config.yaml');
  await writeConfig(configPath, {
    current: 'dev',
    contexts: { prod: { address: 'prod:7070', token: 'prod-secret-token' }, dev: { address: 'dev:7070', token: 'short' } },
  });
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('context list', () => {
  it('lists contexts by name, marks the current one and masks tokens', async () => {
    const deps = createTestDeps({ configPath });
    expect(await run(deps, { output: 'table' })).toBe(0);
    expect(deps.out()).toBe('CURRENT\tNAME\tADDRESS\tTOKEN\n*\tdev\tdev:7070\t********\n\tprod\tprod:7070\t********oken\n');
    expect(deps.err()).toBe('');
  });

  it('draws a table on a terminal', async () => {
    const deps = createTestDeps({ configPath, isTTY: true });
    expect(await run(deps, { output: 'table' })).toBe(0);
    expect(deps.out().split('\n')).toEqual([
      'CURRENT  NAME  ADDRESS    TOKEN',
      '*        dev   dev:7070   ********',
      '         prod  prod:7070  ********oken',
      '',
    ]);
  });

  it('prints JSON for scripts, tokens masked there too', async () => {
    const deps = createTestDeps({ configPath });
    expect(await run(deps, { output: 'json' })).toBe(0);
    expect(JSON.parse(deps.out())).toEqual([
      { name: 'dev', current: true, address: 'dev:7070', token: '********' },
      { name: 'prod', current: false, address: 'prod:7070', token: '********oken' },
    ]);
    expect(deps.out()).not.toContain('secret');
  });

  it('prints only the header without a config file', async () => {
    const deps = createTestDeps({ configPath: join(dir, 'absent.yaml') });
    expect(await run(deps, { output: 'table' })).toBe(0);
    expect(deps.out()).toBe('CURRENT\tNAME\tADDRESS\tTOKEN\n');
  });

  it('fails (exit 1) on a config file that is not YAML, naming it', async () => {
    await writeFile(configPath, 'contexts: [unclosed\n');
    const deps = createTestDeps({ configPath });
    expect(await run(deps, { output: 'table' })).toBe(1);
    expect(deps.err()).toMatch(new RegExp(`^error: config file ${configPath} is not valid YAML: `));
    expect(deps.out()).toBe('');
  });
});
