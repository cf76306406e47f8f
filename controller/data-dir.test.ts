/**
 * The data dir made private at start, on real files under an explicit umask
 * of 022 (the usual one, which leaves new files readable by everyone).
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secureDataDir } from './data-dir.js';
import { createLogger } from './logger.js';
import { makePrivateDir, makePrivateFile, TIGHTENED_MESSAGE } from './store/private-files.js';

const mode = (path: string) => statSync(path).mode & 0o777;

function capturedLogger(): { log: ReturnType<typeof createLogger>; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger('debug', sink), lines };
}

describe('private data dir files under umask 022', () => {
  let previousUmask: number;
  let root: string;
  beforeAll(() => {
    previousUmask = process.umask(0o022);
    root = mkdtempSync(join(tmpdir(), 'data-dir-test-'));
  });
  afterAll(() => {
    process.umask(previousUmask);
    rmSync(root, { recursive: true, force: true });
  });

  it('creates a missing data dir 0700 (its missing parents as the umask makes them) and warns about nothing', () => {
    const { log, lines } = capturedLogger();
    const dataDir = join(root, 'fresh', 'data');
    expect(secureDataDir(dataDir, log)).toEqual([]);
    expect(mode(dataDir)).toBe(0o700);
    // Not the controller's folder: other programs (the local driver's VM user) may need to pass through it.
    expect(mode(join(root, 'fresh'))).toBe(0o755);
    expect(lines.filter((l) => l.level === 40)).toEqual([]);
  });

  it('creates private files and folders 0600 and 0700 where the umask alone gives 0644 and 0755', () => {
    const file = join(root, 'file');
    expect(makePrivateFile(file)).toBeUndefined();
    expect(mode(file)).toBe(0o600);
    const dir = join(root, 'dir');
    expect(makePrivateDir(dir)).toBeUndefined();
    expect(mode(dir)).toBe(0o700);
    writeFileSync(join(root, 'plain'), '');
    expect(mode(join(root, 'plain'))).toBe(0o644); // what the umask gives a file made without care
  });

  it('tightens an existing data dir, its top level and the files of tls/ and agent/, one warning each', () => {
    const { log, lines } = capturedLogger();
    const dataDir = join(root, 'loose');
    mkdirSync(join(dataDir, 'tls'), { recursive: true });
    mkdirSync(join(dataDir, 'agent'));
    mkdirSync(join(dataDir, 'reports', 'run-1'), { recursive: true });
    for (const name of ['slipstream.db', 'slipstream.db-wal', 'slipstream.db-shm', 'credential.key', 'tls/ca-key.pem', 'tls/ca.pem', 'agent/agent.mjs', 'reports/run-1/r.tgz']) {
      writeFileSync(join(dataDir, name), 'x');
    }
    chmodSync(join(dataDir, 'agent', 'agent.mjs'), 0o755);
    chmodSync(join(dataDir, 'credential.key'), 0o640);
    chmodSync(dataDir, 0o755);

    const changes = secureDataDir(dataDir, log);

    expect(mode(dataDir)).toBe(0o700);
    for (const name of ['slipstream.db', 'slipstream.db-wal', 'slipstream.db-shm', 'credential.key', 'tls/ca-key.pem', 'tls/ca.pem']) {
      expect([name, mode(join(dataDir, name))]).toEqual([name, 0o600]);
    }
    expect(mode(join(dataDir, 'agent', 'agent.mjs'))).toBe(0o700);
    for (const folder of ['tls', 'agent', 'reports']) expect([folder, mode(join(dataDir, folder))]).toEqual([folder, 0o700]);
    // Below the top level, other parts' folders are theirs: only their top-level folder is closed.
    expect(mode(join(dataDir, 'reports', 'run-1'))).toBe(0o755);
    expect(changes).toContainEqual({ path: dataDir, oldMode: '0755', newMode: '0700' });
    expect(changes).toContainEqual({ path: join(dataDir, 'credential.key'), oldMode: '0640', newMode: '0600' });
    expect(changes).toContainEqual({ path: join(dataDir, 'slipstream.db-wal'), oldMode: '0644', newMode: '0600' });
    expect(changes).toHaveLength(11);
    const warnings = lines.filter((l) => l.level === 40);
    expect(warnings.map((w) => w.msg)).toEqual(changes.map(() => TIGHTENED_MESSAGE));
    expect(warnings.map((w) => ({ path: w.path, oldMode: w.oldMode, newMode: w.newMode }))).toEqual(changes);

    // Once private, a second start finds nothing to change.
    expect(secureDataDir(dataDir, log)).toEqual([]);
  });
});
