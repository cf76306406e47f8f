import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { IMAGE_PREPARED_PARAMETER } from '../common/images/image-preparation.js';
import { IMAGE_PREPARATION_PHASE, prepareForImage, type ImagePreparationDeps } from './image-preparation.js';
import { createAgentLogger } from './log.js';
import { LogBuffer } from './log-buffer.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A preparation in a fresh work dir, recording what the controller was told. */
async function prepare(script: string, overrides: Partial<ImagePreparationDeps> = {}) {
  const workDir = await mkdtemp(join(tmpdir(), 'slipstream-agent-prep-'));
  dirs.push(workDir);
  const told: { sets: [string, string][]; aborts: string[] } = { sets: [], aborts: [] };
  const logs = new LogBuffer('machine.1');
  const outcome = await prepareForImage({
    script,
    workDir,
    env: process.env,
    logs,
    log: createAgentLogger({ level: 'error', sink: () => undefined }),
    setParameter: async (key, value) => void told.sets.push([key, value]),
    abort: async (message) => void told.aborts.push(message),
    signal: new AbortController().signal,
    ...overrides,
  });
  return { outcome, told, workDir, lines: logs.take(100).lines.map((l) => [l.phase, l.text]) };
}

describe('image preparation (agent)', () => {
  it('runs the script in the work dir, ships its output and then sets image.prepared', async () => {
    const { outcome, told, lines } = await prepare('echo "in $(basename "$PWD")"; rm -f state.json; echo done >&2');
    expect(outcome).toBe('prepared');
    expect(told.aborts).toEqual([]);
    expect(told.sets.map(([key]) => key)).toEqual([IMAGE_PREPARED_PARAMETER]);
    expect(lines).toContainEqual([IMAGE_PREPARATION_PHASE, 'done']);
    expect(lines.some(([, text]) => text?.startsWith('in slipstream-agent-prep-'))).toBe(true);
  });

  it('a failing script aborts the run with its exit code and last lines, and never says the VM is prepared', async () => {
    const { outcome, told } = await prepare('echo "cannot remove state.json" >&2; exit 3');
    expect(outcome).toBe('failed');
    expect(told.sets).toEqual([]);
    expect(told.aborts).toEqual(['image preparation failed with exit code 3; last 1 lines of output:\ncannot remove state.json']);
  });

  it('a controller that cannot be told aborts the run (the agent cannot come back without its files)', async () => {
    const { outcome, told } = await prepare('true', {
      setParameter: async () => {
        throw new Error('setting image.prepared failed: unavailable');
      },
    });
    expect(outcome).toBe('failed');
    expect(told.aborts).toEqual(['image preparation done, but the controller could not be told: setting image.prepared failed: unavailable']);
  });

  it('a stopped agent kills the script and tells nothing', async () => {
    const stop = new AbortController();
    const workDir = await mkdtemp(join(tmpdir(), 'slipstream-agent-prep-'));
    dirs.push(workDir);
    await writeFile(join(workDir, 'state.json'), '{}');
    const sets: string[] = [];
    const running = prepareForImage({
      script: 'touch started; sleep 30; rm -f state.json',
      workDir,
      env: process.env,
      logs: new LogBuffer('machine.1'),
      log: createAgentLogger({ level: 'error', sink: () => undefined }),
      setParameter: async (key) => void sets.push(key),
      abort: async () => undefined,
      signal: stop.signal,
    });
    const { existsSync } = await import('node:fs');
    const deadline = Date.now() + 10_000;
    while (!existsSync(join(workDir, 'started')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    stop.abort();
    expect(await running).toBe('interrupted');
    expect(sets).toEqual([]);
    expect(existsSync(join(workDir, 'state.json'))).toBe(true);
  });
});
