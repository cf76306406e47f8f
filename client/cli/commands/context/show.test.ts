import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeConfig } from '../../config/file.js';
import { createTestDeps } from '../../test-io.js';
import { run } from './show.js';

let dir: string;
let configPath: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipstream-context-show-'));
  configPath = join(dir, 'config.yaml');
  await writeConfig(configPath, { current: 'prod', contexts: { prod: { address: 'prod:7070', token: 'prod-secret-token' } } });
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('context show', () => {
  it("shows the current context's address and masked token, and where each comes from", async () => {
    const deps = createTestDeps({ configPath });
    expect(await run(deps, { output: 'table' })).toBe(0);
    expect(deps.out()).toBe(
      `context\tprod\naddress\tprod:7070 (from context)\ntoken\t********oken (from context)\nconfig\t${configPath}\n`,
    );
    expect(deps.out()).not.toContain('secret');
  });

  it('prints JSON with the environment and flags overriding the context', async () => {
    const deps = createTestDeps({ configPath, env: { SLIPSTREAM_ADDR: 'prod:7070' } });
    expect(await run(deps, { output: 'json', token: 'flag-token-abcdef' })).toBe(0);
    expect(JSON.parse(deps.out())).toEqual({
      context: 'prod',
      address: 'prod:7070',
      addressSource: 'env',
      token: '********cdef',
      tokenSource: 'flag',
      tlsServerName: '',
      tlsServerNameSource: '',
      configPath,
    });
  });

  it("drops the context's token when --addr names another controller", async () => {
    const deps = createTestDeps({ configPath });
    expect(await run(deps, { output: 'json', addr: 'elsewhere:1' })).toBe(0);
    expect(JSON.parse(deps.out())).toMatchObject({ address: 'elsewhere:1', addressSource: 'flag', token: '', tokenSource: '' });
  });

  it('says (none) when nothing names a controller', async () => {
    const deps = createTestDeps({ configPath: join(dir, 'absent.yaml') });
    expect(await run(deps, { output: 'table' })).toBe(0);
    expect(deps.out()).toBe(`context\t(none)\naddress\t(none)\ntoken\t(none)\nconfig\t${join(dir, 'absent.yaml')}\n`);
  });

  it('fails (exit 1) on a malformed config file, naming it', async () => {
    await writeFile(configPath, 'contexts:\n  a: {}\n');
    const deps = createTestDeps({ configPath });
    expect(await run(deps, { output: 'table' })).toBe(1);
    expect(deps.err()).toBe(`error: config file ${configPath}: context 'a' needs an address\n`);
  });
});
