/**
 * The system `tar` (GNU), run as the VM's user, for local images: reading a
 * VM's folder into an archive and unpacking one into a new VM's folder. As
 * that user it reads and writes only what the VM itself could, so a root
 * controller never follows a link a recipe left (it only holds the archive's
 * file descriptor), and what it unpacks belongs to the VM user.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';

/** The most of tar's stderr kept for an error message. */
const MAX_STDERR = 4096;

/** A tar run as some user, its archive on a file descriptor the controller opened. */
export interface TarRun {
  args: readonly string[];
  /** The archive: read from this descriptor (`--file=-` extracting) or written to it (creating). */
  archive: { fd: number; direction: 'in' | 'out' };
  /** Run as this user (its primary group only); default: as this process. */
  user?: { uid: number; gid: number };
}

/** What tar said when it finished (its exit code and the start of its stderr). */
export interface TarResult {
  code: number;
  stderr: string;
}

/** Runs tar; resolves with its exit code (never rejects for a non-zero one), rejects when it cannot start. */
export async function runTar(run: TarRun): Promise<TarResult> {
  const stdio: ['ignore' | number, 'ignore' | number, 'pipe'] =
    run.archive.direction === 'in' ? [run.archive.fd, 'ignore', 'pipe'] : ['ignore', run.archive.fd, 'pipe'];
  const child = spawn('tar', [...run.args], {
    cwd: '/',
    stdio,
    // Nothing of the controller's environment (its secrets) reaches the VM user's tar.
    env: { PATH: '/usr/local/bin:/usr/bin:/bin', LC_ALL: 'C' },
    ...(run.user ? { uid: run.user.uid, gid: run.user.gid } : {}),
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    if (stderr.length < MAX_STDERR) stderr += chunk.slice(0, MAX_STDERR - stderr.length);
  });
  const [code, signal] = (await Promise.race([once(child, 'close'), once(child, 'error').then(([err]) => Promise.reject(err as Error))])) as [
    number | null,
    NodeJS.Signals | null,
  ];
  return { code: code ?? (signal ? 128 : 2), stderr: stderr.trim() };
}
