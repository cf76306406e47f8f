/**
 * A real controller under the usual umask (022) keeps its data dir private:
 * the folder 0700, the SQLite database and its -wal/-shm, credential.key,
 * tls/ and the agent bundle owner-only; and a controller that finds them
 * opened up (by an operator, a backup restore, an older version) closes them
 * at start and says so in its log.
 */
import { chmodSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TIGHTENED_MESSAGE } from '../../controller/store/private-files.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { TEST_DATABASES } from '../helpers/databases.js';

const mode = (path: string) => statSync(path).mode & 0o777;

/** Every file and folder under `dir` with its mode, relative paths (other parts' report and VM folders left out). */
function modesUnder(dir: string, prefix = ''): [string, number][] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const relative = join(prefix, entry.name);
    const path = join(dir, entry.name);
    const own: [string, number] = [relative, mode(path)];
    if (!entry.isDirectory() || ['reports', 'local-vms'].includes(relative)) return [own];
    return [own, ...modesUnder(path, relative)];
  });
}

describe.each(TEST_DATABASES)('private data dir on %s', (database) => {
  let previousUmask: number;
  let controller: TestController | undefined;
  let restarted: TestController | undefined;

  beforeAll(async () => {
    previousUmask = process.umask(0o022);
    controller = await startTestController({ database, tls: true });
  });

  afterAll(async () => {
    // The restarted one reuses the first one's data dir and database: the first one's stop removes them, after.
    await restarted?.stop();
    await controller?.stop();
    process.umask(previousUmask);
  });

  it('creates everything it writes owner-only whatever the umask', () => {
    const { dataDir } = controller!;
    expect(mode(dataDir)).toBe(0o700);
    const entries = modesUnder(dataDir);
    const names = entries.map(([name]) => name);
    expect(names).toEqual(expect.arrayContaining(['credential.key', 'tls', join('tls', 'ca-key.pem'), join('tls', 'ca.pem'), 'agent', join('agent', 'agent.mjs')]));
    if (database === 'sqlite') {
      // SQLite gives the -wal and -shm files the database file's mode; they exist while the controller runs.
      expect(names).toEqual(expect.arrayContaining(['slipstream.db', 'slipstream.db-wal', 'slipstream.db-shm']));
    }
    expect(entries.filter(([, m]) => (m & 0o077) !== 0)).toEqual([]);
    for (const [name, m] of entries) expect([name, m]).toEqual([name, statSync(join(dataDir, name)).isDirectory() ? 0o700 : 0o600]);
  });

  it('tightens a loosened data dir, database and key files at the next start, with a warning for each', async () => {
    const { dataDir, databaseUrl, adminToken } = controller!;
    await controller!.stopControllerOnly();
    const loosened = [
      [dataDir, 0o755],
      [join(dataDir, 'credential.key'), 0o644],
      [join(dataDir, 'tls'), 0o755],
      [join(dataDir, 'tls', 'ca-key.pem'), 0o640],
      [join(dataDir, 'agent'), 0o755],
      ...(database === 'sqlite' ? [[join(dataDir, 'slipstream.db'), 0o644] as const] : []),
    ] as const;
    for (const [path, loose] of loosened) chmodSync(path, loose);

    restarted = await startTestController({ database, tls: true, reuse: { dataDir, databaseUrl, adminToken } });

    for (const [path] of loosened) expect([path, mode(path)]).toEqual([path, statSync(path).isDirectory() ? 0o700 : 0o600]);
    const warnings = restarted.logs.filter((l) => l.msg === TIGHTENED_MESSAGE);
    for (const [path, loose] of loosened) {
      const tight = statSync(path).isDirectory() ? '0700' : '0600';
      expect(warnings).toContainEqual(expect.objectContaining({ level: 40, path, oldMode: `0${loose.toString(8)}`, newMode: tight }));
    }
  });
});
