import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run as contextShow } from '../commands/context/show.js';
import { connectFromConfig, runCli } from '../program.js';
import { createTestDeps } from '../test-io.js';
import { resolveConnection } from './connection.js';
import { readConfig, writeConfig, type CliConfig } from './file.js';
import { isTlsServerName } from '../../options.js';

let dir: string;
let configPath: string;
let caPath: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipstream-tls-name-'));
  configPath = join(dir, 'config.yaml');
  caPath = join(dir, 'ca.pem');
  // grpc-js reads the CA only when it connects; nothing here connects.
  await writeFile(caPath, 'not read before a call\n');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the TLS server name of a connection', () => {
  const config: CliConfig = {
    current: 'lb',
    contexts: { lb: { address: '10.0.0.5:7070', ca: '/ca.pem', tlsServerName: 'ctx.example.com' } },
  };

  it('comes from the flag, then SLIPSTREAM_TLS_SERVER_NAME, then the context', () => {
    const env = { SLIPSTREAM_TLS_SERVER_NAME: 'env.example.com' };
    expect(resolveConnection(config, {}, {})).toMatchObject({ tlsServerName: 'ctx.example.com', tlsServerNameSource: 'context' });
    expect(resolveConnection(config, env, {})).toMatchObject({ tlsServerName: 'env.example.com', tlsServerNameSource: 'env' });
    expect(resolveConnection(config, env, { tlsServerName: 'flag.example.com' })).toMatchObject({
      tlsServerName: 'flag.example.com',
      tlsServerNameSource: 'flag',
    });
  });

  it("is the context's only for the context's own controller, like its CA", () => {
    expect(resolveConnection(config, {}, { addr: '10.0.0.5:7070' }).tlsServerName).toBe('ctx.example.com');
    const elsewhere = resolveConnection(config, {}, { addr: '10.0.0.6:7070' });
    expect(elsewhere.tlsServerName).toBeUndefined();
    expect(elsewhere.ca).toBeUndefined();
  });

  it("follows the library's rule: a host name or IP address", () => {
    for (const name of ['controller.example.com', 'localhost', '10.0.0.5', '::1']) expect([name, isTlsServerName(name)]).toEqual([name, true]);
    for (const name of ['', ' ', 'a b', 'name\n']) expect([name, isTlsServerName(name)]).toEqual([name, false]);
  });

  it('reaches the client as tls.serverName, with the CA', async () => {
    await writeConfig(configPath, { current: 'lb', contexts: { lb: { address: '10.0.0.5:7070', ca: caPath, tlsServerName: 'ctx.example.com' } } });
    const io = createTestDeps({ configPath });
    const fromContext = connectFromConfig(io, {});
    const fromFlag = connectFromConfig(io, { tlsServerName: 'flag.example.com' });
    try {
      expect(fromContext.options.tls).toEqual({ ca: Buffer.from('not read before a call\n'), serverName: 'ctx.example.com' });
      expect(fromFlag.options.tls?.serverName).toBe('flag.example.com');
    } finally {
      fromContext.close();
      fromFlag.close();
    }
  });

  it('is shown by context show, with where it came from', async () => {
    await writeConfig(configPath, { current: 'lb', contexts: { lb: { address: '10.0.0.5:7070', ca: caPath, tlsServerName: 'ctx.example.com' } } });
    const table = createTestDeps({ configPath });
    expect(await contextShow(table, { output: 'table' })).toBe(0);
    expect(table.out()).toContain('tls server name\tctx.example.com (from context)\n');
    const json = createTestDeps({ configPath, env: { SLIPSTREAM_TLS_SERVER_NAME: 'env.example.com' } });
    expect(await contextShow(json, { output: 'json' })).toBe(0);
    expect(JSON.parse(json.out())).toMatchObject({ tlsServerName: 'env.example.com', tlsServerNameSource: 'env' });
  });
});

describe('a bad or useless TLS server name is a usage error (exit 2), before any connection', () => {
  it('names the flag for a bad --tls-server-name', async () => {
    const deps = createTestDeps({ configPath });
    expect(await runCli(['--addr', '127.0.0.1:1', '--ca', caPath, '--tls-server-name', 'a b', 'whoami'], deps)).toBe(2);
    expect(deps.err()).toContain("option '--tls-server-name <name>' argument 'a b' is invalid. must be a host name or IP address");
    expect(deps.out()).toBe('');
  });

  it('names SLIPSTREAM_TLS_SERVER_NAME for a bad value there', async () => {
    const deps = createTestDeps({ configPath, env: { SLIPSTREAM_TLS_SERVER_NAME: 'a b' } });
    expect(await runCli(['--addr', '127.0.0.1:1', '--ca', caPath, 'whoami'], deps)).toBe(2);
    expect(deps.err()).toBe(
      "error: SLIPSTREAM_TLS_SERVER_NAME 'a b': must be a host name or IP address (the name the controller certificate carries)\n",
    );
  });

  it('refuses a server name over plaintext (no CA), whichever way it was given', async () => {
    const flag = createTestDeps({ configPath });
    expect(await runCli(['--addr', '127.0.0.1:1', '--tls-server-name', 'controller.example.com', 'whoami'], flag)).toBe(2);
    expect(flag.err()).toBe(
      "error: --tls-server-name is meaningless without TLS: this connection is plaintext (TLS needs --ca FILE, SLIPSTREAM_CA or the context's ca)\n",
    );
    const env = createTestDeps({ configPath, env: { SLIPSTREAM_TLS_SERVER_NAME: 'controller.example.com' } });
    expect(await runCli(['--addr', '127.0.0.1:1', 'whoami'], env)).toBe(2);
    expect(env.err()).toContain('error: SLIPSTREAM_TLS_SERVER_NAME is meaningless without TLS');
  });

  it('rejects a config file whose context has a bad one, naming the file', async () => {
    await writeFile(configPath, 'contexts:\n  lb:\n    address: 10.0.0.5:7070\n    tlsServerName: "a b"\n');
    expect(() => readConfig(configPath)).toThrow(`config file ${configPath}: context 'lb': tlsServerName must be a host name or IP address`);
  });
});
