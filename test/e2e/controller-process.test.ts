/**
 * The controller as an operator runs it: first start on an empty embedded
 * database prints the bootstrap token once, restarts keep the data, SIGTERM
 * shuts down cleanly (also one that comes while it starts), and bad options
 * fail fast with exit code 2.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSlipstreamClient } from '../../client/index.js';
import { startedPort, spawnController } from '../helpers/controller-process.js';

describe('controller process', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'slipstream-proc-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('bootstraps once, persists across restarts and stops on SIGTERM', async () => {
    const first = spawnController(['--listen', '127.0.0.1:0', '--data-dir', dataDir]);
    const port = await startedPort(first);
    const token = /\n {2}(sst_[A-Za-z0-9_-]+)\n/.exec(first.stderr())?.[1];
    expect(token, first.stderr()).toBeDefined();
    expect(first.stdout()).not.toContain(token!);
    // TLS is the default: the client pins the CA the controller made in its data dir.
    const ca = readFileSync(join(dataDir, 'tls', 'ca.pem'));
    expect(first.stderr()).toContain(`--ca ${join(dataDir, 'tls', 'ca.pem')}`);
    const client = createSlipstreamClient({ address: `127.0.0.1:${port}`, token: token!, tls: { ca } });
    await client.modules.save({ kind: 'project', path: 'kept', description: 'survives restarts' });
    client.close();
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.stdout()).toContain('"msg":"stopped"');

    const second = spawnController(['--listen', '127.0.0.1:0', '--data-dir', dataDir]);
    const port2 = await startedPort(second);
    expect(second.stderr()).not.toContain('sst_');
    const again = createSlipstreamClient({ address: `127.0.0.1:${port2}`, token: token!, tls: { ca: readFileSync(join(dataDir, 'tls', 'ca.pem')) } });
    const plaintext = createSlipstreamClient({ address: `127.0.0.1:${port2}`, token: token!, defaultTimeoutMs: 3_000 });
    await expect(plaintext.users.whoAmI({})).rejects.toMatchObject({ code: expect.any(Number) });
    plaintext.close();
    expect((await again.modules.get('kept')).document.description).toBe('survives restarts');
    again.close();
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('stops cleanly on a SIGTERM that arrives while it starts, its API already listening', async () => {
    const proc = spawnController(['--listen', '127.0.0.1:0', '--data-dir', join(dataDir, 'signalled')]);
    // The signal goes out the moment 'listening' is printed: the agent bundle is still building then.
    proc.child.stdout!.on('data', () => {
      if (proc.stdout().includes('"msg":"listening"') && proc.child.signalCode === null && !proc.child.killed) proc.child.kill('SIGTERM');
    });
    expect(await proc.exited).toBe(0);
    const messages = proc
      .stdout()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(messages).toContain('signal received');
    expect(messages.at(-1)).toBe('stopped');
  });

  it.each([
    [['--database', 'mysql://x'], /database: unsupported database URL/],
    [['--listen', 'nowhere'], /listen: 'nowhere' must be HOST:PORT/],
    [['--log-level', 'loud'], /log level: 'loud'/],
    [['--no-such-flag'], /unknown option/],
  ])('rejects %j with exit code 2 and a clear message', async (args, message) => {
    const proc = spawnController(['--data-dir', dataDir, ...args]);
    expect(await proc.exited).toBe(2);
    expect(proc.stderr()).toMatch(message);
  });

  it('rejects a malformed bootstrap token from the environment', async () => {
    const proc = spawnController(['--data-dir', join(dataDir, 'other')], { SLIPSTREAM_BOOTSTRAP_TOKEN: 'short' });
    expect(await proc.exited).toBe(2);
    expect(proc.stderr()).toMatch(/bootstrap token: must be sst_/);
  });
});
