/**
 * Where a local VM lives on disk and the `vm.json` record that lets a
 * restarted controller find it again: ids, paths and atomic reads/writes.
 * Records (and the agent's output log) stay under `<dataDir>/local-vms`,
 * where only the controller reaches; a VM that runs as another user works
 * in a folder of its own under the work root.
 */
import { randomBytes } from 'node:crypto';
import { chmod, lchown, lstat, mkdir, open, readFile, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { VmTags } from '../connector.js';
import { makeTraversableFolders } from './work-root.js';

/** A run id usable as one path segment: no `/`, no leading dot. */
const RUN_ID_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
/** A node instance, `node.N` (same rule as the agent config). */
const INSTANCE = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?\.[1-9]\d*$/;

/** What the driver remembers about one local VM, in `<vmdir>/vm.json`. */
export interface LocalVmRecord {
  version: 1;
  vmId: string;
  idempotencyKey: string;
  tags: VmTags;
  /** `starting` until the agent process exists, then `started`; `terminated` once its processes are gone. */
  state: 'starting' | 'started' | 'terminated';
  /** The agent's pid, also its process group and session id (it is spawned detached). */
  pid?: number;
  /** The agent's start time in clock ticks since boot (/proc/PID/stat), to tell it from a reused pid. */
  startTime?: number;
  /** Where in `agent.out.log` this agent's output begins (earlier agents of the folder wrote what is before). */
  outputStart?: number;
  /** The agent's work dir when it is not the record's folder (the VM runs as another user). */
  workDir?: string;
  /** The local image the work dir was unpacked from, once it was (a start interrupted before does it again). */
  seededFrom?: string;
  /** The uid the VM's processes run as, when not the controller's: terminate kills only processes of that uid. */
  uid?: number;
  createdAt: string;
  terminatedAt?: string;
}

/** True when `runId` can name a folder. */
export function isSafeRunId(runId: string): boolean {
  return RUN_ID_SEGMENT.test(runId);
}

/** True when `instance` is `node.N`. */
export function isInstanceName(instance: string): boolean {
  return INSTANCE.test(instance);
}

/** The stable id of the VM of one run's instance (never the pid, which changes). */
export function localVmId(runId: string, instance: string): string {
  return `local-${runId}-${instance}`;
}

/**
 * The (runId, instance) pairs `vmId` may stand for: both may contain `-`, so
 * every split that yields a valid pair is a candidate (the record decides).
 */
export function vmIdCandidates(vmId: string): Array<{ runId: string; instance: string }> {
  if (!vmId.startsWith('local-')) return [];
  const rest = vmId.slice('local-'.length);
  const candidates: Array<{ runId: string; instance: string }> = [];
  for (let i = rest.indexOf('-'); i > 0; i = rest.indexOf('-', i + 1)) {
    const runId = rest.slice(0, i);
    const instance = rest.slice(i + 1);
    if (isSafeRunId(runId) && isInstanceName(instance)) candidates.push({ runId, instance });
  }
  return candidates;
}

/** The folder holding every local VM record of a controller. */
export function vmsRoot(dataDir: string): string {
  return join(dataDir, 'local-vms');
}

/** The record folder of one VM, `<dataDir>/local-vms/<runId>/<instance>`: also its work dir unless it runs as another user. */
export function vmDir(dataDir: string, runId: string, instance: string): string {
  return join(vmsRoot(dataDir), runId, instance);
}

/** Where the VM of `record` (in `dir`) works: its agent's config, state, logs, reports and recipes' home. */
export function workDirOf(record: Pick<LocalVmRecord, 'workDir'>, dir: string): string {
  return record.workDir ?? dir;
}

/** Creates the VM folder (0700: it holds the bootstrap token). */
export async function ensureVmDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
}

/**
 * Creates `<workRoot>/<runId>/<instance>` for a VM running as `owner`: the
 * run's folder 0711 and owned by the controller (others pass through, never
 * list or write), the work dir 0700 and owned by the VM user.
 */
export async function ensureWorkDir(workRoot: string, runId: string, instance: string, owner: { uid: number; gid: number }): Promise<string> {
  const runFolder = join(workRoot, runId);
  const dir = join(runFolder, instance);
  await makeTraversableFolders(runFolder);
  await mkdir(dir, { mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  // Nobody but the controller can write the run's folder, so `dir` is still the folder made above.
  const info = await lstat(dir);
  if (!info.isDirectory()) throw new Error(`${dir} is not a folder`);
  await chmod(dir, 0o700);
  await lchown(dir, owner.uid, owner.gid);
  return dir;
}

/**
 * Writes `data` to `path` atomically (temporary file, then rename) with
 * `mode`, owned by `owner` when given (the file is chowned before it takes
 * the name, and never through a link: the temporary name is created anew).
 */
export async function writeFileAtomic(path: string, data: string, mode: number, owner?: { uid: number; gid: number }): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const file = await open(tmp, 'wx', mode);
    try {
      await file.writeFile(data);
      await file.chmod(mode);
      if (owner) await file.chown(owner.uid, owner.gid);
    } finally {
      await file.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** The record in `dir`, or undefined when there is none (or it is unreadable). */
export async function readVmRecord(dir: string): Promise<LocalVmRecord | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, 'vm.json'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const record = JSON.parse(text) as LocalVmRecord;
    return record && record.version === 1 && typeof record.vmId === 'string' ? record : undefined;
  } catch {
    return undefined;
  }
}

/** Saves the record of one VM (0600). */
export async function writeVmRecord(dir: string, record: LocalVmRecord): Promise<void> {
  await writeFileAtomic(join(dir, 'vm.json'), `${JSON.stringify(record, null, 2)}\n`, 0o600);
}

/** The folders of every VM of one run, or of all runs. */
export async function listVmDirs(dataDir: string, runId?: string): Promise<string[]> {
  const root = vmsRoot(dataDir);
  const runs = runId === undefined ? await subfolders(root) : isSafeRunId(runId) ? [runId] : [];
  const dirs: string[] = [];
  for (const run of runs) for (const instance of await subfolders(join(root, run))) dirs.push(join(root, run, instance));
  return dirs;
}

async function subfolders(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
