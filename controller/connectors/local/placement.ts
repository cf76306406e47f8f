/**
 * Where local VMs work and as whom they run, decided once at start from
 * `--local-user`, `--local-vm-dir` and the controller's effective uid. A
 * controller running as root starts every local VM's agent (and so its
 * recipes) as an unprivileged account, in a folder that account can reach
 * outside the data dir, which it cannot; any other controller runs them as
 * itself, beside their records under `<dataDir>/local-vms`.
 */
import { execFileSync } from 'node:child_process';
import { isAbsolute, relative, resolve } from 'node:path';

/** The account local VMs run as. */
export interface VmUser {
  name: string;
  uid: number;
  /** Its primary group: the agent gets no supplementary groups. */
  gid: number;
}

/** Where local VMs work and as whom they run. */
export interface LocalVmPlacement {
  /** The account agents and recipes run as; undefined: the controller's own. */
  readonly runAs: VmUser | undefined;
  /**
   * The folder of the VMs' work dirs (`<workRoot>/<runId>/<instance>/`);
   * undefined: each VM works in its record folder under `<dataDir>/local-vms`.
   */
  readonly workRoot: string | undefined;
}

/** What the decision is made from. */
export interface LocalVmPlacementInput {
  /** The controller's effective uid (`process.geteuid()`). */
  euid: number;
  /** Absolute. */
  dataDir: string;
  /** `--local-user`: a user name or uid. */
  user?: string;
  /** `--local-vm-dir`. */
  vmDir?: string;
}

/** A placement that cannot work; the message names the option and the reason. */
export class LocalVmPlacementError extends Error {}

/** Who local VMs run as when the controller is root and no `--local-user` is given. */
export const DEFAULT_LOCAL_USER = 'nobody';

/** A user name or uid that `getent` takes as such (never an option: no leading `-`). */
const USER_ARGUMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}\$?$/;

/** The default work root of a root controller's VMs: beside the data dir, which they must not reach. */
export function defaultLocalVmDir(dataDir: string): string {
  return `${resolve(dataDir)}-local-vms`;
}

/**
 * Decides the placement: as root, VMs run as `user` (default `nobody`, never
 * uid 0) under `vmDir` (default {@link defaultLocalVmDir}, never inside the
 * data dir); otherwise `user` is refused (only root can start processes as
 * another user) and VMs work beside their records unless `vmDir` is given.
 * `lookup` resolves a name or uid to the account, undefined when there is
 * none. Throws LocalVmPlacementError.
 */
export function decideLocalVmPlacement(input: LocalVmPlacementInput, lookup: (user: string) => VmUser | undefined): LocalVmPlacement {
  const dataDir = resolve(input.dataDir);
  const given = input.vmDir === undefined || input.vmDir === '' ? undefined : resolve(input.vmDir);
  if (input.euid !== 0) {
    if (input.user !== undefined && input.user !== '') {
      throw new LocalVmPlacementError(
        `local user: running local VMs as '${input.user}' needs a controller running as root (this one runs as uid ${input.euid}); ` +
          'without --local-user they run as the controller itself',
      );
    }
    return Object.freeze({ runAs: undefined, workRoot: given });
  }
  const name = input.user === undefined || input.user === '' ? DEFAULT_LOCAL_USER : input.user;
  if (!USER_ARGUMENT.test(name)) throw new LocalVmPlacementError(`local user: '${name}' is not a user name or uid`);
  const runAs = lookup(name);
  if (!runAs) throw new LocalVmPlacementError(`local user: there is no user '${name}' on this host (getent passwd ${name} found none); create it or name another with --local-user`);
  if (runAs.uid === 0) throw new LocalVmPlacementError(`local user: '${name}' is uid 0; local VMs of a root controller run as an unprivileged user`);
  const workRoot = given ?? defaultLocalVmDir(dataDir);
  if (isWithin(dataDir, workRoot)) {
    throw new LocalVmPlacementError(`local vm dir: ${workRoot} is inside the data dir ${dataDir}, which local VMs must not reach; choose a folder outside it`);
  }
  return Object.freeze({ runAs: Object.freeze({ ...runAs }), workRoot });
}

/** True when `path` is `folder` or below it. */
function isWithin(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * The account named `user` (a name or uid) from the host's user database
 * (`getent passwd`, so NSS sources count too), or undefined when it has none.
 */
export function lookupUser(user: string): VmUser | undefined {
  if (!USER_ARGUMENT.test(user)) return undefined;
  let line: string;
  try {
    line = execFileSync('getent', ['passwd', user], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
  } catch (err) {
    // getent exits 2 when the user does not exist; anything else (no getent at all) is not an answer.
    if ((err as { status?: number }).status === 2) return undefined;
    throw new LocalVmPlacementError(`local user: cannot look up '${user}' with getent: ${(err as Error).message}`);
  }
  return parsePasswdLine(line.split('\n')[0] ?? '');
}

/** `name:x:uid:gid:gecos:home:shell` -> the account, undefined when malformed. */
export function parsePasswdLine(line: string): VmUser | undefined {
  const [name, , uid, gid] = line.split(':');
  if (!name || !/^\d+$/.test(uid ?? '') || !/^\d+$/.test(gid ?? '')) return undefined;
  return { name, uid: Number(uid), gid: Number(gid) };
}
