import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { makePrivateDir, TIGHTENED_MESSAGE, tightenMode, type ModeChange } from './store/private-files.js';

/** Folders of the data dir that hold only the controller's own files (keys, certificates, agent bundle): their entries are checked too. */
const OWN_FOLDERS = new Set(['tls', 'agent']);

/**
 * Makes the data dir private at start: created 0700 when missing; when it
 * exists, the folder itself, everything at its top level (the SQLite
 * database and its -wal/-shm, credential.key, tls/, agent/, reports/, local
 * VM folders) and the files in tls/ and agent/ lose any group or other
 * access they had, each change logged as a warning. Returns the changes.
 */
export function secureDataDir(dataDir: string, log: Logger): ModeChange[] {
  const changes: ModeChange[] = [];
  const note = (change: ModeChange | undefined) => {
    if (change) changes.push(change);
  };
  note(makePrivateDir(dataDir));
  for (const entry of readdirSync(dataDir, { withFileTypes: true })) {
    const path = join(dataDir, entry.name);
    note(tightenMode(path));
    if (!entry.isDirectory() || !OWN_FOLDERS.has(entry.name)) continue;
    for (const inner of readdirSync(path)) note(tightenMode(join(path, inner)));
  }
  for (const change of changes) log.warn(change, TIGHTENED_MESSAGE);
  return changes;
}
