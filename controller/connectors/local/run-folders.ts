/**
 * The folders a run's local VMs leave on this host, removed when the run is
 * deleted: its records (`<dataDir>/local-vms/<runId>`: vm.json, the agents'
 * output) and, when VMs work elsewhere, its work dirs
 * (`<workRoot>/<runId>`: the agents' config, state, logs and recipes'
 * homes, owned by the VM user). Only folders named by the run id right
 * under these two roots are ever removed.
 */
import { chmod, lstat, readdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { LocalVmPlacement } from './placement.js';
import { listVmDirs, readVmRecord, vmsRoot } from './vm-record.js';

/** Run ids are UUIDs: nothing else (no `..`, no `/`) may become a path segment here. */
const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The local VM folders of runs, as remnants of deleted runs (RunRemnants):
 * the runs are those with a record folder in this data dir. A work root may
 * be shared by controllers of other databases, so its folders are never
 * listed, only removed by the id of a run this controller deleted.
 */
export class LocalVmRunFolders {
  readonly name = 'local vm folders';
  private readonly recordsRoot: string;
  private readonly workRoot: string | undefined;

  constructor(
    dataDir: string,
    placement: Pick<LocalVmPlacement, 'workRoot'>,
    private readonly log: Logger,
  ) {
    this.recordsRoot = resolve(vmsRoot(dataDir));
    this.workRoot = placement.workRoot === undefined ? undefined : resolve(placement.workRoot);
  }

  /** The runs with a record folder here. */
  async runIds(): Promise<string[]> {
    return (await folderNames(this.recordsRoot)).filter((name) => RUN_ID.test(name));
  }

  /** Removes the folders of these (deleted) runs: work dirs first, the records, which find them, last. */
  async remove(runIds: readonly string[]): Promise<void> {
    // Most deleted runs had no local VM: two listings, not a look at each run's paths (a sweep deletes runs by the hundred).
    const present = new Set([...(await folderNames(this.recordsRoot)), ...(this.workRoot === undefined ? [] : await folderNames(this.workRoot))]);
    for (const runId of runIds) {
      if (!RUN_ID.test(runId)) {
        this.log.warn({ runId }, 'not a run id; no local vm folder removed');
        continue;
      }
      if (present.has(runId)) await this.removeRun(runId);
    }
  }

  private async removeRun(runId: string): Promise<void> {
    const records = join(this.recordsRoot, runId);
    const workFolder = this.workRoot === undefined ? undefined : join(this.workRoot, runId);
    for (const dir of await listVmDirs(dirname(this.recordsRoot), runId)) {
      const workDir = (await readVmRecord(dir).catch(() => undefined))?.workDir;
      // A work dir under another root (the controller was restarted with another --local-vm-dir) is not ours to reach now.
      if (workDir !== undefined && resolve(dirname(workDir)) !== workFolder) {
        this.log.warn({ runId, workDir }, 'a deleted run’s local vm work dir is outside the local vm dir; left in place');
      }
    }
    let removed = 0;
    if (workFolder !== undefined && (await removeTree(workFolder))) removed++;
    if (await removeTree(records)) removed++;
    if (removed > 0) this.log.info({ runId, folders: removed }, 'removed a deleted run’s local vm folders');
  }
}

/** The names of the folders in `dir` (none when it does not exist). */
async function folderNames(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/**
 * Removes `path` and what is below it without following links; true when
 * there was something. A recipe may leave folders without write permission
 * (Go's module cache does): when removing fails for that, the folders are
 * made writable (links untouched) and it tries once more. Root needs none of
 * that, whoever owns the files.
 */
async function removeTree(path: string): Promise<boolean> {
  try {
    await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  try {
    await rm(path, { recursive: true, force: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EPERM') throw err;
    await makeFoldersWritable(path);
    await rm(path, { recursive: true, force: true });
  }
  return true;
}

async function makeFoldersWritable(dir: string): Promise<void> {
  const info = await lstat(dir).catch(() => undefined);
  if (!info?.isDirectory()) return;
  await chmod(dir, (info.mode & 0o777) | 0o700).catch(() => undefined);
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) if (entry.isDirectory()) await makeFoldersWritable(join(dir, entry.name));
}
