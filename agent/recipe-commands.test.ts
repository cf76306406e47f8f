import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../test/helpers/poll.js';
import { RunState } from '../proto/gen/slipstream/v1/runs.js';
import { FakeController } from './testing/test-controller.js';
import { cleanupAll, recipeCommand, startTestAgent } from './testing/test-agent.js';

// One agent in Ready for the whole file; each test runs the real wrappers in <workDir>/bin.
let f: FakeController;
let workDir: string;

beforeAll(async () => {
  f = await FakeController.start({ runState: RunState.RUN_STATE_READY, multiplicity: { db: 2 }, unknownKeys: ['web.1:nosuch'] });
  ({ workDir } = await startTestAgent(f));
  await waitFor('ready', async () => f.hasCompleted(RunState.RUN_STATE_READY) || undefined);
});
afterAll(async () => {
  await cleanupAll();
  await f.stop();
});

const run = (name: string, ...args: string[]) => recipeCommand(workDir, name, args).finished;

describe('recipe commands', () => {
  it('the socket is private to the VM user', async () => {
    expect((await stat(join(workDir, 'agent.sock'))).mode & 0o777).toBe(0o600);
  });

  it('ss-get blocks until the value is set and returns right after', async () => {
    const get = recipeCommand(workDir, 'ss-get', ['--timeout', '30', 'db.1:host']);
    await waitFor('wait registered', async () => f.parameterGets.find((g) => g.key === 'db.1:host'));
    expect(f.parameterGets.find((g) => g.key === 'db.1:host')).toMatchObject({ wait: true, timeoutMs: 30_000 });
    const setAt = Date.now();
    f.setParameter('db.1:host', '10.0.0.9');
    const result = await get.finished;
    const latencyMs = Date.now() - setAt;
    expect(result).toMatchObject({ code: 0, stdout: '10.0.0.9\n', stderr: '' });
    expect(latencyMs).toBeLessThan(250);
  });

  it('ss-get --timeout 1 exits 1 with the timeout message', async () => {
    const result = await run('ss-get', '--timeout', '1', 'never');
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('ss-get: timed out after 1 s waiting for never\n');
    expect(result.elapsedMs).toBeLessThan(5_000);
  });

  it('ss-get --noblock on an unset key prints an empty value; an unknown key is not found', async () => {
    expect(await run('ss-get', '--noblock', 'unset')).toMatchObject({ code: 0, stdout: '\n' });
    expect(await run('ss-get', '--noblock', 'nosuch')).toMatchObject({ code: 1, stderr: 'ss-get: nosuch not found\n' });
  });

  it('ss-set then ss-get round-trips an unqualified key (this instance)', async () => {
    expect(await run('ss-set', 'color', 'deep blue')).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(f.parameters.get('web.1:color')).toBe('deep blue');
    expect(await run('ss-get', 'color')).toMatchObject({ code: 0, stdout: 'deep blue\n' });
  });

  it("ss-set reports the controller's refusal and checks the 64 KiB limit locally", async () => {
    expect(await run('ss-set', 'db.1:port', '1')).toMatchObject({ code: 1, stderr: 'ss-set: web.1 may not set db.1:port\n' });
    const big = await run('ss-set', 'blob', 'x'.repeat(64 * 1024 + 1));
    expect(big.code).toBe(1);
    expect(big.stderr).toBe('ss-set: the value of blob is 65537 bytes; the limit is 65536 bytes (64 KiB)\n');
    expect(f.parameters.has('web.1:blob')).toBe(false);
    expect(await run('ss-set', 'blob', 'é'.repeat(32 * 1024))).toMatchObject({ code: 0 });
  });

  it('ss-display sets statecustom', async () => {
    expect(await run('ss-display', 'Installing', 'nginx')).toMatchObject({ code: 0 });
    expect(f.parameters.get('web.1:statecustom')).toBe('Installing nginx');
  });

  it('ss-random sets and prints a random alphanumeric value', async () => {
    const result = await run('ss-random', '-s', '20', 'password');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^[A-Za-z0-9]{20}\n$/);
    expect(f.parameters.get('web.1:password')).toBe(result.stdout.trim());
    expect((await run('ss-random', 'other')).stdout).toMatch(/^[A-Za-z0-9]{12}\n$/);
  });

  it('ss-get-all waits for every instance of the node and prints them in order', async () => {
    const all = recipeCommand(workDir, 'ss-get-all', ['db', 'port']);
    f.setParameter('db.2:port', '5433');
    await waitFor('get-all waiting', async () => f.parameterGetAlls.find((g) => g.node === 'db' && g.key === 'port'));
    expect(all.child.exitCode).toBeNull();
    f.setParameter('db.1:port', '5432');
    expect(await all.finished).toMatchObject({ code: 0, stdout: '5432\n5433\n' });
  });

  it('usage errors exit 2 with the usage text', async () => {
    const noKey = await run('ss-get');
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('usage: ss-get [--timeout SECONDS] [--noblock] KEY');
    expect((await run('ss-get', '--timeout', 'soon', 'k')).code).toBe(2);
    expect((await run('ss-set', 'only-key')).code).toBe(2);
    expect((await run('ss-random', '-s', '0', 'k')).code).toBe(2);
    expect((await run('ss-abort')).code).toBe(2);
    expect((await run('ss-get', '--help')).code).toBe(0);
  });

  it('ss-abort raises the abort (waits then fail with it) and --cancel clears it', async () => {
    const waiting = recipeCommand(workDir, 'ss-get', ['--timeout', '0', 'after-abort']);
    await waitFor('wait registered', async () => f.parameterGets.find((g) => g.key === 'after-abort'));
    expect(await run('ss-abort', 'disk', 'full')).toMatchObject({ code: 0 });
    expect(f.aborts.at(-1)).toMatchObject({ message: 'disk full', cancel: false });
    expect(await waiting.finished).toMatchObject({ code: 1, stderr: 'ss-get: run aborted: disk full\n' });
    expect(await run('ss-abort', '--cancel')).toMatchObject({ code: 0 });
    expect(f.run.abortMessage).toBe('');
  });
});
