/**
 * The agent bundle where VMs running as another user can read it: a copy in
 * the work root (0644, owned by the controller), checked against the sha256
 * the build reported, so that the data dir (0700) need not be opened to them.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmod, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConnectorError } from '../connector.js';
import { makeTraversableFolders } from './work-root.js';

/** A built agent bundle: the file and the sha256 its build reported. */
export interface AgentBundleSource {
  path: string;
  /** Hex; undefined: taken from the file as it is now. */
  sha256?: string;
}

const COPY = /^agent-[0-9a-f]{16}\.mjs$/;

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** `<root>/agent-<first 16 hex digits of its sha256>.mjs` */
export function bundleCopyPath(root: string, sha: string): string {
  return join(root, `agent-${sha.slice(0, 16)}.mjs`);
}

/**
 * Copies the bundle into `root` unless an intact copy is there, checking the
 * source and the copy against the sha256, then removes copies of other
 * bundles (agents load theirs once, at start). Returns the copy's path.
 * Throws ConnectorError (`invalid`) when the bundle does not match its sha256.
 */
export async function copyAgentBundle(root: string, source: AgentBundleSource): Promise<string> {
  const bytes = await readFile(source.path);
  const actual = sha256(bytes);
  if (source.sha256 !== undefined && actual !== source.sha256) {
    throw new ConnectorError('invalid', `local: the agent bundle ${source.path} has sha256 ${actual}, not the ${source.sha256} it was built with`);
  }
  await makeTraversableFolders(root);
  const target = bundleCopyPath(root, actual);
  const existing = await readFile(target).catch(() => undefined);
  if (!existing || sha256(existing) !== actual) {
    const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(tmp, bytes, { mode: 0o644, flag: 'wx' });
      await chmod(tmp, 0o644); // readable by the VM user whatever the umask
      const written = await readFile(tmp);
      if (sha256(written) !== actual) throw new ConnectorError('transient', `local: the copy of the agent bundle at ${tmp} does not match its sha256`);
      await rename(tmp, target);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }
  for (const name of await readdir(root)) {
    if (COPY.test(name) && join(root, name) !== target) await rm(join(root, name), { force: true });
  }
  return target;
}
