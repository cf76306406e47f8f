import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../test/helpers/poll.js';
import { RunState } from '../proto/gen/slipstream/v1/runs.js';
import { startAgent, type RunningAgent } from './agent.js';
import { AgentConfigError } from './config.js';
import { checkSocketPlace, MAX_SOCKET_PATH_BYTES } from './socket-place.js';
import type { FakeController } from './testing/test-controller.js';
import { cleanupAll, FAST_BACKOFF, recipeCommand, startFakeController, tempDir } from './testing/test-agent.js';

const running: RunningAgent[] = [];
afterEach(async () => {
  for (const agent of running.splice(0)) await agent.stop();
  await cleanupAll();
});

/** A work dir under a fresh temp dir whose `agent.sock` is `bytes` long. */
async function workDirWithSocketOf(bytes: number): Promise<string> {
  const base = await tempDir('ssa-long-');
  const padding = bytes - Buffer.byteLength(join(base, 'agent.sock')) - '/'.length;
  const workDir = join(base, 'w'.repeat(padding));
  expect(Buffer.byteLength(join(workDir, 'agent.sock'))).toBe(bytes);
  return workDir;
}

async function start(f: FakeController, workDir: string, socketTmpDir?: string): Promise<RunningAgent> {
  const agent = await startAgent({
    config: f.agentConfig(workDir),
    backoff: FAST_BACKOFF,
    logSink: () => undefined,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8' },
    ...(socketTmpDir === undefined ? {} : { socketTmpDir }),
  });
  running.push(agent);
  return agent;
}

const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('agent socket place', () => {
  it('a work dir too long for the socket gets it in a private 0700 folder under the temp dir; recipes and ss-* use it; stop removes it', async () => {
    const f = await startFakeController({
      runState: RunState.RUN_STATE_EXECUTING,
      plan: {
        deployment: [
          {
            source: 'app/web@1',
            script: ['echo "$SLIPSTREAM_AGENT_SOCKET" > socket.txt', 'ss-set greeting "hello long"', 'ss-get greeting > got.txt'].join('\n'),
          },
        ],
      },
    });
    const workDir = await workDirWithSocketOf(MAX_SOCKET_PATH_BYTES + 1);
    const agent = await start(f, workDir);
    const { socketPath, socketDir } = agent.paths;
    expect(socketDir).toBeDefined();
    expect(dirname(socketDir!)).toBe(tmpdir());
    expect(socketDir).toMatch(/\/slipstream-agent-[A-Za-z0-9]{6}$/);
    expect(socketPath).toBe(join(socketDir!, 'agent.sock'));

    await waitFor('deployment done', async () => f.hasCompleted(RunState.RUN_STATE_EXECUTING) || undefined);
    expect(await mode(socketDir!)).toBe(0o700);
    expect(await mode(socketPath)).toBe(0o600);
    await expect(stat(join(workDir, 'agent.sock'))).rejects.toThrow();
    expect(await readFile(join(workDir, 'home', 'socket.txt'), 'utf8')).toBe(`${socketPath}\n`);
    expect(await readFile(join(workDir, 'home', 'got.txt'), 'utf8')).toBe('hello long\n');
    // The wrappers outside a recipe (no SLIPSTREAM_AGENT_SOCKET) default to the same socket.
    f.setParameter('web.1:color', 'blue');
    expect(await recipeCommand(workDir, 'ss-get', ['color']).finished).toMatchObject({ code: 0, stdout: 'blue\n', stderr: '' });

    await agent.stop();
    await expect(stat(socketDir!)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a work dir whose socket fits keeps <workDir>/agent.sock and makes no folder', async () => {
    const f = await startFakeController();
    const workDir = await workDirWithSocketOf(MAX_SOCKET_PATH_BYTES);
    const socketTmpDir = await tempDir();
    const agent = await start(f, workDir, socketTmpDir);
    expect(agent.paths.socketPath).toBe(join(workDir, 'agent.sock'));
    expect(agent.paths.socketDir).toBeUndefined();
    await waitFor('socket listening', async () => (await stat(agent.paths.socketPath).catch(() => undefined))?.isSocket() || undefined);
    expect(await mode(agent.paths.socketPath)).toBe(0o600);
    expect(await readdir(socketTmpDir)).toEqual([]);
  });

  it('stopping tolerates the private folder being gone already', async () => {
    const f = await startFakeController();
    const agent = await start(f, await workDirWithSocketOf(200), await tempDir());
    await waitFor('socket listening', async () => (await stat(agent.paths.socketPath).catch(() => undefined))?.isSocket() || undefined);
    await rm(agent.paths.socketDir!, { recursive: true, force: true });
    await agent.stop();
    expect(await agent.done).toEqual({ reason: 'stopped', exitCode: 0 });
  });

  it('a start that fails after the folder was made removes it', async () => {
    const f = await startFakeController();
    const workDir = await workDirWithSocketOf(150);
    await mkdir(workDir, { recursive: true });
    await writeFile(join(workDir, 'state.json'), 'not json');
    const socketTmpDir = await tempDir();
    await expect(start(f, workDir, socketTmpDir)).rejects.toThrow(/state file/);
    expect(await readdir(socketTmpDir)).toEqual([]);
  });

  it('fails with AgentConfigError, creating nothing, when even the temp dir is too long', async () => {
    const f = await startFakeController();
    const socketTmpDir = join(await tempDir(), 't'.repeat(90));
    await mkdir(socketTmpDir);
    const workDir = await workDirWithSocketOf(150);
    const failure = start(f, workDir, socketTmpDir);
    await expect(failure).rejects.toBeInstanceOf(AgentConfigError);
    await expect(failure).rejects.toThrow(/^config\.workDir: too long for the agent socket \(.*agent\.sock is over 107 bytes, and so is .*slipstream-agent-XXXXXX\/agent\.sock in the temp dir\)$/);
    expect(await readdir(socketTmpDir)).toEqual([]);
    await expect(stat(workDir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('checkSocketPlace counts bytes, not characters', () => {
    const base = '/tmp/é';
    const fits = join(base, 'x'.repeat(MAX_SOCKET_PATH_BYTES - Buffer.byteLength(join(base, 'x', '/agent.sock')) + 1));
    expect(() => checkSocketPlace(fits, '/tmp')).not.toThrow();
    expect(() => checkSocketPlace(`${fits}x`, '/'.concat('d'.repeat(100)))).toThrow(AgentConfigError);
  });
});
