/**
 * The folder local VMs work in when they run as another user: owned by the
 * controller, traversable but not listable or writable by others (0711),
 * made at the first provision, and checked at start by running Node as that
 * user, so that a folder it cannot reach fails the start with a clear message
 * rather than every provision.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import type { LocalVmPlacement } from './placement.js';

const run = promisify(execFile);

/** The mode of the work root and of each run's folder in it: others may only pass through. */
export const WORK_ROOT_MODE = 0o711;

/** The work root or a VM's work dir cannot be used; the message says why and what to do. */
export class LocalWorkRootError extends Error {}

/** What the start-time check runs as the VM user: can it pass through the work root? */
const PROBE = "require('node:fs').accessSync(process.argv[1], require('node:fs').constants.X_OK)";

/**
 * Checks the placement's work root at start: an existing one must be a
 * folder of this controller (a group- or world-writable one is tightened);
 * the VM user must be able to run Node and pass through it (or, before it
 * exists, through the folder it will be made in). Returns the change made to
 * an existing folder's mode, for the caller to log.
 */
export async function prepareWorkRoot(placement: LocalVmPlacement): Promise<{ path: string; oldMode: number; newMode: number } | undefined> {
  const root = placement.workRoot;
  if (root === undefined) return undefined;
  const info = await stat(root).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (!info) {
    if (placement.runAs) await probeAs(placement.runAs, await existingAncestor(root), root);
    return undefined;
  }
  if (!info.isDirectory()) throw new LocalWorkRootError(`local vm dir: ${root} is not a folder`);
  const euid = process.geteuid?.();
  if (euid !== undefined && info.uid !== euid) {
    throw new LocalWorkRootError(`local vm dir: ${root} belongs to uid ${info.uid}, not to this controller (uid ${euid}); a folder another user controls cannot hold VMs`);
  }
  let change: { path: string; oldMode: number; newMode: number } | undefined;
  const mode = info.mode & 0o7777;
  if ((mode & 0o022) !== 0) {
    change = { path: root, oldMode: mode, newMode: mode & ~0o022 };
    await chmod(root, change.newMode);
  }
  if (placement.runAs) await probeAs(placement.runAs, root, root);
  return change;
}

/**
 * Makes `dir` and the folders above it that are missing, each 0711 whatever
 * the umask (a missing work root is made so at the first provision).
 */
export async function makeTraversableFolders(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true, mode: WORK_ROOT_MODE });
  if (first === undefined) return;
  let path = first;
  await chmod(path, WORK_ROOT_MODE);
  for (const part of relative(first, dir).split(sep).filter(Boolean)) {
    path = join(path, part);
    await chmod(path, WORK_ROOT_MODE);
  }
}

/** The deepest folder of `path`'s ancestry that exists. */
async function existingAncestor(path: string): Promise<string> {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    if (await stat(dir).then(() => true, () => false)) return dir;
    if (dir === dirname(dir)) return dir;
  }
}

/** Runs Node as `user` to pass through `folder` (the work `root` or where it will be); throws LocalWorkRootError saying which part failed. */
async function probeAs(user: { name: string; uid: number; gid: number }, folder: string, root: string): Promise<void> {
  try {
    await run(process.execPath, ['-e', PROBE, folder], { uid: user.uid, gid: user.gid, env: {}, cwd: '/', timeout: 30_000 });
  } catch (err) {
    const failure = err as NodeJS.ErrnoException & { stderr?: string; code?: string | number };
    if (typeof failure.code === 'string' && failure.code !== 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
      throw new LocalWorkRootError(`local user: '${user.name}' (uid ${user.uid}) cannot run Node at ${process.execPath} (${failure.code}); install Node where that user can run it`);
    }
    const reason = /Error: (.+)/.exec(failure.stderr ?? '')?.[1] ?? failure.message;
    throw new LocalWorkRootError(
      `local vm dir: '${user.name}' (uid ${user.uid}) cannot reach ${root} (${reason}); give --local-vm-dir a folder whose parent folders that user can pass through`,
    );
  }
}
