/**
 * A deleted run's local VM folders go, records and work dirs, read-only
 * folders a recipe left included; nothing of another run, nothing outside
 * the two roots, and nothing for an id that is not a run id.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalVmRunFolders } from './run-folders.js';
import { writeVmRecord } from './vm-record.js';

const log = pino({ level: 'silent' });
const made: string[] = [];

afterEach(async () => {
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A data dir and a work root with one VM of each run: its record, its work dir with a read-only folder. */
async function host(runIds: string[]) {
  const top = await mkdtemp(join(tmpdir(), 'slipstream-run-folders-'));
  made.push(top);
  const dataDir = join(top, 'data');
  const workRoot = join(top, 'vms');
  for (const runId of runIds) {
    const records = join(dataDir, 'local-vms', runId, 'web.1');
    const work = join(workRoot, runId, 'web.1');
    await mkdir(records, { recursive: true });
    await mkdir(join(work, 'home', 'go', 'pkg', 'mod'), { recursive: true });
    await writeFile(join(work, 'home', 'go', 'pkg', 'mod', 'file.go'), 'package x\n');
    await writeFile(join(records, 'agent.out.log'), 'started\n');
    await writeVmRecord(records, { version: 1, vmId: `local-${runId}-web.1`, idempotencyKey: 'k', tags: { controllerId: 'c', tenant: 't', runId, instance: 'web.1' }, state: 'terminated', workDir: work, createdAt: new Date().toISOString() });
    // As Go leaves its module cache: folders without write permission.
    await chmod(join(work, 'home', 'go', 'pkg', 'mod'), 0o555);
    await chmod(join(work, 'home', 'go', 'pkg'), 0o555);
  }
  return { top, dataDir, workRoot };
}

describe('local vm folders of deleted runs', () => {
  it('lists the runs with records and removes the folders of one run only', async () => {
    const [gone, kept] = [randomUUID(), randomUUID()];
    const { dataDir, workRoot } = await host([gone, kept]);
    await mkdir(join(dataDir, 'local-vms', 'not-a-run'), { recursive: true });
    const folders = new LocalVmRunFolders(dataDir, { workRoot }, log);
    expect((await folders.runIds()).sort()).toEqual([gone, kept].sort());

    await folders.remove([gone]);
    expect(existsSync(join(dataDir, 'local-vms', gone))).toBe(false);
    expect(existsSync(join(workRoot, gone))).toBe(false);
    expect(existsSync(join(dataDir, 'local-vms', kept, 'web.1', 'vm.json'))).toBe(true);
    expect(existsSync(join(workRoot, kept, 'web.1', 'home', 'go', 'pkg', 'mod', 'file.go'))).toBe(true);
    expect(await folders.runIds()).toEqual([kept]);
    // Again (a sweep after a crash, another replica): nothing left, nothing fails.
    await folders.remove([gone]);
  });

  it('refuses ids that are not run ids, and leaves what is outside its roots', async () => {
    const [runId] = [randomUUID()];
    const { top, dataDir, workRoot } = await host([runId]);
    await mkdir(join(top, 'outside'));
    const folders = new LocalVmRunFolders(dataDir, { workRoot }, log);
    await folders.remove(['..', '../outside', `${runId}/..`, '', '.']);
    expect((await readdir(top)).sort()).toEqual(['data', 'outside', 'vms']);
    expect(existsSync(join(workRoot, runId, 'web.1'))).toBe(true);
    expect(existsSync(join(dataDir, 'local-vms', runId, 'web.1'))).toBe(true);
  });

  it('removes the records alone when VMs work in them (no work root)', async () => {
    const [runId] = [randomUUID()];
    const { dataDir, workRoot } = await host([runId]);
    await new LocalVmRunFolders(dataDir, { workRoot: undefined }, log).remove([runId]);
    expect(existsSync(join(dataDir, 'local-vms', runId))).toBe(false);
    // Its record named a work dir under a root this controller is not given now: left in place.
    expect(existsSync(join(workRoot, runId, 'web.1'))).toBe(true);
  });
});
