import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run as contextList } from '../commands/context/list.js';
import { run as contextSet } from '../commands/context/set.js';
import { run as contextShow } from '../commands/context/show.js';
import { run as contextUse } from '../commands/context/use.js';
import { createTestDeps } from '../test-io.js';
import { resolveConnection } from './connection.js';
import { readConfig, writeConfig, type CliConfig } from './file.js';
import { configPathFromEnv } from './path.js';

let dir: string;
let configPath: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipstream-config-'));
  configPath = join(dir, 'nested', 'config.yaml');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('configPathFromEnv', () => {
  it('prefers SLIPSTREAM_CONFIG, then an absolute XDG_CONFIG_HOME, then ~/.config', () => {
    expect(configPathFromEnv({ SLIPSTREAM_CONFIG: '/x/c.yaml', XDG_CONFIG_HOME: '/xdg' }, '/home/a')).toBe('/x/c.yaml');
    expect(configPathFromEnv({ XDG_CONFIG_HOME: '/xdg' }, '/home/a')).toBe('/xdg/slipstream/config.yaml');
    expect(configPathFromEnv({ XDG_CONFIG_HOME: 'relative' }, '/home/a')).toBe('/home/a/.config/slipstream/config.yaml');
    expect(configPathFromEnv({}, '/home/a')).toBe('/home/a/.config/slipstream/config.yaml');
  });
});

describe('resolveConnection', () => {
  const config: CliConfig = { current: 'prod', contexts: { prod: { address: 'prod:7070', token: 'ctx-token' } } };

  it('uses the current context when nothing overrides it', () => {
    expect(resolveConnection(config, {}, {})).toEqual({
      context: 'prod',
      address: 'prod:7070',
      addressSource: 'context',
      token: 'ctx-token',
      tokenSource: 'context',
    });
  });

  it('lets the environment override the context, and flags override the environment', () => {
    const env = { SLIPSTREAM_ADDR: 'env:1', SLIPSTREAM_TOKEN: 'env-token' };
    expect(resolveConnection(config, env, {})).toMatchObject({ address: 'env:1', token: 'env-token', addressSource: 'env' });
    expect(resolveConnection(config, env, { addr: 'flag:2', token: 'flag-token' })).toMatchObject({
      address: 'flag:2',
      addressSource: 'flag',
      token: 'flag-token',
      tokenSource: 'flag',
    });
    expect(resolveConnection(config, { SLIPSTREAM_TOKEN: 'env-token' }, {})).toMatchObject({
      address: 'prod:7070',
      token: 'env-token',
      tokenSource: 'env',
    });
  });

  it("never sends the context's token to another controller", () => {
    expect(resolveConnection(config, {}, { addr: 'elsewhere:1' }).token).toBeUndefined();
    expect(resolveConnection(config, {}, { addr: 'prod:7070' }).token).toBe('ctx-token');
  });

  it('sends the token of a context of replicas to any of them, and to none other', () => {
    const replicas: CliConfig = { current: 'ha', contexts: { ha: { address: 'c1:1,c2:1,c3:1', token: 'ha-token' } } };
    expect(resolveConnection(replicas, {}, {})).toMatchObject({ address: 'c1:1,c2:1,c3:1', token: 'ha-token' });
    expect(resolveConnection(replicas, {}, { addr: 'c3:1,c1:1' }).token).toBe('ha-token');
    expect(resolveConnection(replicas, {}, { addr: 'c1:1,elsewhere:1' }).token).toBeUndefined();
  });

  it('has no address without context, env or flag', () => {
    expect(resolveConnection({ contexts: {} }, {}, {})).toEqual({});
  });
});

describe('config file', () => {
  it('reads an absent file as empty, and writes atomically with mode 0600', async () => {
    expect(readConfig(configPath)).toEqual({ contexts: {} });
    await writeConfig(configPath, { current: 'a', contexts: { a: { address: 'a:1', token: 's3cret' } } });
    expect((await stat(configPath)).mode & 0o777).toBe(0o600);
    expect(readConfig(configPath)).toEqual({ current: 'a', contexts: { a: { address: 'a:1', token: 's3cret' } } });
    await writeConfig(configPath, { contexts: {} });
    expect(await readdir(join(dir, 'nested'))).toEqual(['config.yaml']);
    expect((await stat(configPath)).mode & 0o777).toBe(0o600);
  });

  it('rejects a malformed file, naming it', async () => {
    await writeConfig(configPath, { contexts: {} });
    await writeFile(configPath, 'contexts:\n  a: {}\n');
    expect(() => readConfig(configPath)).toThrow(`config file ${configPath}: context 'a' needs an address`);
  });
});

describe('context commands', () => {
  it('set, use, list and show', async () => {
    const deps = createTestDeps({ configPath });
    expect(await contextSet(deps, { name: 'prod', address: 'prod:7070', token: 'prod-secret-token' })).toBe(0);
    expect(deps.err()).toContain("context 'prod' saved and made current");
    expect(await contextSet(deps, { name: 'dev', address: 'dev:7070' })).toBe(0);
    expect(readConfig(configPath).current).toBe('prod');
    expect((await stat(configPath)).mode & 0o777).toBe(0o600);

    expect(await contextUse(deps, { name: 'dev' })).toBe(0);
    expect(readConfig(configPath).current).toBe('dev');
    expect(await contextUse(deps, { name: 'nope' })).toBe(1);

    // Updating only the token keeps the address.
    expect(await contextSet(deps, { name: 'dev', token: 'dev-token-123456' })).toBe(0);
    expect(readConfig(configPath).contexts.dev).toEqual({ address: 'dev:7070', token: 'dev-token-123456' });

    const list = createTestDeps({ configPath });
    expect(await contextList(list, { output: 'table' })).toBe(0);
    expect(list.out()).toBe('CURRENT\tNAME\tADDRESS\tTOKEN\n*\tdev\tdev:7070\t********3456\n\tprod\tprod:7070\t********oken\n');
    expect(list.out()).not.toContain('secret');

    const show = createTestDeps({ configPath, env: { SLIPSTREAM_ADDR: 'dev:7070' } });
    expect(await contextShow(show, { output: 'json', token: 'flag-token-abcdef' })).toBe(0);
    expect(JSON.parse(show.out())).toMatchObject({
      context: 'dev',
      address: 'dev:7070',
      addressSource: 'env',
      token: '********cdef',
      tokenSource: 'flag',
    });
  });

  it('needs an address for a new context (usage, exit 2)', async () => {
    const deps = createTestDeps({ configPath });
    expect(await contextSet(deps, { name: 'new' })).toBe(2);
    expect(deps.err()).toContain('--addr is required');
    await expect(readFile(configPath)).rejects.toThrow();
  });
});
