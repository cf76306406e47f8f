/**
 * Linux process plumbing for local VMs, read from /proc: is the agent still
 * the process we started, which processes belong to a VM (its process group
 * and session, plus anything carrying its environment marker, which is how
 * `nohup x &` and `setsid x` escapees are caught), and killing them all.
 */
import { readFile, readdir } from 'node:fs/promises';

/** The facts /proc/PID/stat gives about one process. */
export interface ProcStat {
  pid: number;
  /** One letter: R, S, D, Z (zombie), T, ... */
  state: string;
  pgrp: number;
  session: number;
  /** Clock ticks since boot. */
  startTime: number;
}

/** /proc/PID/stat, or undefined when the process does not exist (any more). */
export async function readProcStat(pid: number): Promise<ProcStat | undefined> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // `pid (comm) state ppid pgrp session ...`: comm may hold spaces and parentheses.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return {
    pid,
    state: fields[0] ?? '?',
    pgrp: Number(fields[2]),
    session: Number(fields[3]),
    startTime: Number(fields[19]),
  };
}

/** True when `pid` runs (not a zombie) and, if `startTime` is given, is the process started then. */
export async function isProcessAlive(pid: number, startTime?: number): Promise<boolean> {
  const stat = await readProcStat(pid);
  if (!stat || stat.state === 'Z' || stat.state === 'X') return false;
  return startTime === undefined || stat.startTime === startTime;
}

/** Which processes belong to one VM. */
export interface VmProcessMatch {
  /** `NAME=VALUE` entries that must all be in a process's environment. */
  environment: string[];
  /** A process group / session id owned by the VM (its agent's pid), when it is known to be ours. */
  group?: number;
  /** When the VM runs as its own user: only processes of this real uid are its (nothing else is ever killed). */
  uid?: number;
}

/** Live (non-zombie) processes of the VM, never this process itself. */
export async function findVmProcesses(match: VmProcessMatch): Promise<number[]> {
  match = { ...match, group: await safeGroup(match.group) };
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return [];
  }
  const found: number[] = [];
  await Promise.all(
    entries.map(async (name) => {
      if (!/^\d+$/.test(name)) return;
      const pid = Number(name);
      if (pid === process.pid) return;
      const stat = await readProcStat(pid);
      if (!stat || stat.state === 'Z' || stat.state === 'X') return;
      const inGroup = match.group !== undefined && (stat.pgrp === match.group || stat.session === match.group);
      if (!inGroup && !(await hasEnvironment(pid, match.environment))) return;
      if (match.uid !== undefined && (await realUid(pid)) !== match.uid) return;
      found.push(pid);
    }),
  );
  return found.sort((a, b) => a - b);
}

async function hasEnvironment(pid: number, wanted: string[]): Promise<boolean> {
  if (wanted.length === 0) return false;
  let environ: Buffer;
  try {
    environ = await readFile(`/proc/${pid}/environ`);
  } catch {
    return false; // gone, or another user's process: not ours either way
  }
  const entries = new Set(environ.toString('utf8').split('\0'));
  return wanted.every((entry) => entries.has(entry));
}

/** The real uid of `pid` (/proc/PID/status), or undefined when it is gone. */
async function realUid(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1];
    return uid === undefined ? undefined : Number(uid);
  } catch {
    return undefined;
  }
}

/**
 * `group` unless it could hit this process or init: a bad record must never
 * make `kill(-0)` (our own group) or a scan of our own session.
 */
async function safeGroup(group: number | undefined): Promise<number | undefined> {
  if (group === undefined || !Number.isInteger(group) || group <= 1) return undefined;
  const self = await readProcStat(process.pid);
  if (group === process.pid || group === self?.pgrp || group === self?.session) return undefined;
  return group;
}

/** SIGKILL, ignoring processes that are already gone. */
function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ESRCH' && code !== 'EPERM') throw err;
  }
}

/**
 * Kills every process of the VM with SIGKILL and waits until none is left,
 * rescanning so that processes forked meanwhile die too. Returns the pids
 * still alive at the deadline (empty on success).
 */
export async function killVmProcesses(match: VmProcessMatch, timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  match = { ...match, group: await safeGroup(match.group) };
  // The whole group at once first, so that nothing in it can fork while we scan.
  if (match.group !== undefined) kill(-match.group);
  let delay = 5;
  for (;;) {
    const alive = await findVmProcesses(match);
    if (alive.length === 0) return [];
    if (Date.now() > deadline) return alive;
    for (const pid of alive) kill(pid);
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 100);
  }
}
