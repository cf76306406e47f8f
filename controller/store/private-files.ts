/**
 * Owner-only files and folders for what the controller keeps on disk (its
 * database, keys, certificates, agent bundle): whatever the umask, nobody but
 * the controller's own OS user may read them.
 */
import { chmodSync, closeSync, lstatSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

/** The mode of every folder the controller makes for its own files. */
export const PRIVATE_DIR_MODE = 0o700;
/** The mode of every file the controller writes for itself. */
export const PRIVATE_FILE_MODE = 0o600;
/** Permission bits that let the group or others in. */
const SHARED_BITS = 0o077;

/** An existing file or folder whose mode was tightened: modes as octal text (`0644`). */
export interface ModeChange {
  path: string;
  oldMode: string;
  newMode: string;
}

/** The message every tightening is logged with (the facts are in the fields). */
export const TIGHTENED_MESSAGE = 'file or folder was open to other users; mode tightened';

function octal(mode: number): string {
  return `0${(mode & 0o7777).toString(8)}`;
}

function code(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

/**
 * Takes the group and other bits off an existing file or folder (a symbolic
 * link is left alone: its target may not be ours). Returns the change, or
 * undefined when it was private already or does not exist.
 */
export function tightenMode(path: string): ModeChange | undefined {
  let mode: number;
  try {
    const stats = lstatSync(path);
    if (stats.isSymbolicLink() || (stats.mode & SHARED_BITS) === 0) return undefined;
    mode = stats.mode;
  } catch (err) {
    if (code(err) === 'ENOENT') return undefined;
    throw err;
  }
  const tightened = mode & 0o7700;
  chmodSync(path, tightened);
  return { path, oldMode: octal(mode), newMode: octal(tightened) };
}

/**
 * Makes `path` a private folder: created 0700 when absent, whatever the
 * umask; an existing one open to others is tightened and the change
 * returned. Missing parents are created as the umask makes them: they are
 * not the controller's own (other programs may need to pass through them).
 */
export function makePrivateDir(path: string): ModeChange | undefined {
  try {
    lstatSync(path);
  } catch (err) {
    if (code(err) !== 'ENOENT') throw err;
    mkdirSync(dirname(path), { recursive: true });
    try {
      mkdirSync(path, { mode: PRIVATE_DIR_MODE });
    } catch (raced) {
      if (code(raced) !== 'EEXIST') throw raced;
      return tightenMode(path);
    }
    // The umask only takes bits away; a strict one may have taken the owner's.
    chmodSync(path, PRIVATE_DIR_MODE);
    return undefined;
  }
  return tightenMode(path);
}

/**
 * Makes `path` a private file: created empty and 0600 when absent (before
 * anything else opens it, so its content is never readable by others),
 * whatever the umask; an existing one open to others is tightened and the
 * change returned.
 */
export function makePrivateFile(path: string): ModeChange | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'wx', PRIVATE_FILE_MODE);
  } catch (err) {
    if (code(err) !== 'EEXIST') throw err;
    return tightenMode(path);
  }
  try {
    chmodSync(path, PRIVATE_FILE_MODE);
  } finally {
    closeSync(fd);
  }
  return undefined;
}
