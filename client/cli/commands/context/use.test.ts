import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readConfig, writeConfig } from '../../config/file.js';
import { createTestDeps } from '../../test-io.js';
import { run } from './use.js';

let dir: string;
let configPath: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipstream-context-use-'));
  configPath = join(dir, 'config.yaml');
  await writeConfig(configPath, { current: 'prod', contexts: { prod: { address: 'prod:7070' }, dev: { address: 'dev:7070' } } });
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('context use', () => {
  it('makes a saved context the current one', async () => {
    const deps = createTestDeps({ configPath });
    expect(await run(deps, { name: 'dev' })).toBe(0);
    expect(readConfig(configPath).current).toBe('dev');
    expect(deps.err()).toBe("now using context 'dev'\n");
    expect(deps.out()).toBe('');
  });

  it('fails (exit 1) for an unknown name and keeps the current context', async () => {
    const deps = createTestDeps({ configPath });
    expect(await run(deps, { name: 'nope' })).toBe(1);
    expect(deps.err()).toBe("error: no context named 'nope' (see: slipstream context list)\n");
    expect(readConfig(configPath).current).toBe('prod');
  });

  it('fails (exit 1) without a config file, creating none', async () => {
    const deps = createTestDeps({ configPath: join(dir, 'absent.yaml') });
    expect(await run(deps, { name: 'dev' })).toBe(1);
    expect(deps.err()).toContain("no context named 'dev'");
    expect(readConfig(join(dir, 'absent.yaml'))).toEqual({ contexts: {} });
  });
});
