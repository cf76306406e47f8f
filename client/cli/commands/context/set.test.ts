import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readConfig, writeConfig } from '../../config/file.js';
import { createTestDeps } from '../../test-io.js';
import { cli } from '../../testing/cli.js';
import { fakeDeps } from '../../testing/fake-deps.js';
import { run } from './set.js';

let dir: string;
let configPath: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipstream-context-set-'));
  configPath = join(dir, 'nested', 'config.yaml');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('context set', () => {
  it('saves the first context, makes it current and writes the file 0600', async () => {
    const deps = createTestDeps({ configPath });
    expect(await run(deps, { name: 'prod', address: 'prod:7070', token: 'prod-secret', ca: 'ca.pem' })).toBe(0);
    expect(readConfig(configPath)).toEqual({
      current: 'prod',
      contexts: { prod: { address: 'prod:7070', token: 'prod-secret', ca: resolve('ca.pem') } },
    });
    expect((await stat(configPath)).mode & 0o777).toBe(0o600);
    expect(deps.err()).toBe(`context 'prod' saved and made current (${configPath})\n`);
    expect(deps.out()).toBe('');
  });

  it('adds a second context without switching to it', async () => {
    await writeConfig(configPath, { current: 'prod', contexts: { prod: { address: 'prod:7070' } } });
    const deps = createTestDeps({ configPath });
    expect(await run(deps, { name: 'dev', address: 'dev:7070' })).toBe(0);
    expect(readConfig(configPath)).toEqual({ current: 'prod', contexts: { prod: { address: 'prod:7070' }, dev: { address: 'dev:7070' } } });
    expect(deps.err()).toBe(`context 'dev' saved (${configPath})\n`);
  });

  it('keeps the saved address, token and CA of an existing context unless given', async () => {
    await writeConfig(configPath, { current: 'dev', contexts: { dev: { address: 'dev:7070', token: 'old', ca: '/ca.pem' } } });
    const deps = createTestDeps({ configPath });
    expect(await run(deps, { name: 'dev', token: 'new' })).toBe(0);
    expect(readConfig(configPath).contexts.dev).toEqual({ address: 'dev:7070', token: 'new', ca: '/ca.pem' });
  });

  it('saves several replicas, comma-separated or from repeated --addr, as one list', async () => {
    const deps = fakeDeps({}, { configPath });
    expect(await cli(deps, 'context', 'set', 'ha', '--addr', 'c1:7070, c2:7070', '--addr', 'c3:7070', '--token', 'ha-token')).toBe(0);
    expect(readConfig(configPath).contexts.ha).toEqual({ address: 'c1:7070,c2:7070,c3:7070', token: 'ha-token' });
    expect(deps.calls).toEqual([]);
  });

  it('refuses an empty address or a replica named twice (exit 2) and writes nothing', async () => {
    const deps = createTestDeps({ configPath });
    expect(await run(deps, { name: 'ha', address: 'c1:7070,,c2:7070' })).toBe(2);
    expect(await run(deps, { name: 'ha', address: 'c1:7070,c1:7070' })).toBe(2);
    expect(deps.err()).toBe(
      "error: --addr 'c1:7070,,c2:7070': an address is empty (expected HOST:PORT, or several separated by commas)\n" +
        "error: --addr 'c1:7070,c1:7070': c1:7070 is given twice\n",
    );
    await expect(readFile(configPath)).rejects.toThrow();
  });

  it('saves a TLS server name from --tls-server-name with the CA, and keeps it unless given', async () => {
    const deps = fakeDeps({}, { configPath });
    const argv = ['context', 'set', 'lb', '--addr', '10.0.0.5:7070', '--ca', 'ca.pem', '--tls-server-name', 'controller.example.com'];
    expect(await cli(deps, ...argv)).toBe(0);
    expect(readConfig(configPath).contexts.lb).toEqual({ address: '10.0.0.5:7070', ca: resolve('ca.pem'), tlsServerName: 'controller.example.com' });
    expect(await cli(deps, 'context', 'set', 'lb', '--token', 'lb-token')).toBe(0);
    expect(readConfig(configPath).contexts.lb).toMatchObject({ token: 'lb-token', tlsServerName: 'controller.example.com' });
    expect(deps.calls).toEqual([]);
  });

  it('refuses a bad TLS server name, or one without a CA (exit 2, naming the flag), and writes nothing', async () => {
    const deps = createTestDeps({ configPath });
    expect(await run(deps, { name: 'lb', address: '10.0.0.5:7070', ca: 'ca.pem', tlsServerName: 'a b' })).toBe(2);
    expect(await run(deps, { name: 'lb', address: '10.0.0.5:7070', tlsServerName: 'controller.example.com' })).toBe(2);
    expect(deps.err()).toBe(
      "error: --tls-server-name 'a b': must be a host name or IP address (the name the controller certificate carries)\n" +
        "error: --tls-server-name is meaningless without TLS: context 'lb' has no CA (add --ca FILE)\n",
    );
    await expect(readFile(configPath)).rejects.toThrow();
  });

  it('makes the context current when the current one no longer exists', async () => {
    await writeConfig(configPath, { current: 'gone', contexts: {} });
    const deps = createTestDeps({ configPath });
    expect(await run(deps, { name: 'dev', address: 'dev:7070' })).toBe(0);
    expect(readConfig(configPath).current).toBe('dev');
    expect(deps.err()).toContain('saved and made current');
  });

  it('needs an address for a new context (usage, exit 2) and writes nothing', async () => {
    const deps = createTestDeps({ configPath });
    expect(await run(deps, { name: 'new' })).toBe(2);
    expect(deps.err()).toBe("error: context 'new' is new: --addr is required\n");
    await expect(readFile(configPath)).rejects.toThrow();
  });

  it('refuses a name that is not letters, digits, dots, dashes or underscores (exit 2)', async () => {
    const deps = createTestDeps({ configPath });
    expect(await run(deps, { name: '../evil', address: 'a:1' })).toBe(2);
    expect(deps.err()).toContain("error: context name '../evil' must be letters, digits");
    await expect(readFile(configPath)).rejects.toThrow();
  });

  it('fails (exit 1) on a malformed config file, naming it, and leaves it alone', async () => {
    await writeConfig(configPath, { contexts: {} });
    await writeFile(configPath, 'contexts: [1]\n');
    const deps = createTestDeps({ configPath });
    expect(await run(deps, { name: 'dev', address: 'dev:7070' })).toBe(1);
    expect(deps.err()).toBe(`error: config file ${configPath}: \`contexts\` must be a mapping\n`);
    expect(await readFile(configPath, 'utf8')).toBe('contexts: [1]\n');
  });
});
