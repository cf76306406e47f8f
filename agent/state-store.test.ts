import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RunState } from '../proto/gen/slipstream/v1/runs.js';
import { StateFileError, StateStore } from './state-store.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function tempFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ss-state-'));
  dirs.push(dir);
  return join(dir, 'state.json');
}

describe('StateStore', () => {
  it('starts empty, persists atomically with mode 0600 and reloads', async () => {
    const file = await tempFile();
    const store = StateStore.open(file);
    expect(store.get()).toMatchObject({ completedState: RunState.RUN_STATE_UNSPECIFIED, completedEpoch: 0, phaseRuns: {} });
    await store.update((s) => {
      s.credential = 'secret-credential';
      s.completedState = RunState.RUN_STATE_EXECUTING;
      s.completedEpoch = 2;
      s.phaseRuns['2:Executing'] = 1;
    });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readdir(join(file, '..'))).toEqual(['state.json']);
    const again = StateStore.open(file);
    expect(again.get()).toMatchObject({ credential: 'secret-credential', completedState: RunState.RUN_STATE_EXECUTING, completedEpoch: 2 });
    expect(JSON.parse(await readFile(file, 'utf8')).phaseRuns).toEqual({ '2:Executing': 1 });
  });

  it('serializes concurrent updates', async () => {
    const file = await tempFile();
    const store = StateStore.open(file);
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.update((s) => void (s.phaseRuns[`k${i}`] = i))));
    expect(Object.keys(StateStore.open(file).get().phaseRuns)).toHaveLength(20);
  });

  it('gives a temp file left by a crash mode 0600 again', async () => {
    const file = await tempFile();
    const leftover = `${file}.${process.pid}.tmp`;
    await writeFile(leftover, 'half a state');
    await chmod(leftover, 0o644);
    const store = StateStore.open(file);
    await store.update((s) => void (s.credential = 'secret-credential'));
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readdir(join(file, '..'))).toEqual(['state.json']);
  });

  it('rejects an update it cannot write, keeps the state it had and leaves no temp file', async () => {
    const file = await tempFile();
    const store = StateStore.open(file);
    await store.update((s) => void (s.completedEpoch = 1));
    // A directory where the state file goes: the temp file is written, the rename fails.
    await rm(file);
    await mkdir(file);
    await expect(store.update((s) => void (s.completedEpoch = 2))).rejects.toThrow(/EISDIR|EEXIST|ENOTEMPTY|rename/);
    expect(store.get().completedEpoch).toBe(1);
    expect(await readdir(join(file, '..'))).toEqual(['state.json']);
  });

  it('refuses a corrupt file with a clear error', async () => {
    const file = await tempFile();
    await writeFile(file, '{not json');
    expect(() => StateStore.open(file)).toThrow(StateFileError);
  });

  it('refuses a state file it cannot read, naming it', async () => {
    const file = await tempFile();
    await mkdir(file);
    expect(() => StateStore.open(file)).toThrow(new StateFileError(`state file ${file}: EISDIR: illegal operation on a directory, read`));
  });
});
