/**
 * Test helper: a Store on a database of its own, for repository tests that
 * run on both databases, and a run to write into.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { CredentialCipher } from '../../controller/auth/credential-cipher.js';
import type { DatabaseTarget } from '../../controller/store/database-url.js';
import type { NewRun } from '../../controller/store/repositories/runs.js';
import { Store } from '../../controller/store/store.js';
import type { TestDatabase } from './controller.js';
import { createTemporaryDatabase } from './postgres.js';

/**
 * A Store on a fresh temporary PostgreSQL database (at `url`) or SQLite file
 * (`target` says which, for a test that connects to it another way), sealing
 * with a cipher of a random key; `dispose` closes it and removes the database.
 */
export async function openTestStore(
  database: TestDatabase,
): Promise<{ store: Store; cipher: CredentialCipher; url?: string; target: DatabaseTarget; dispose(): Promise<void> }> {
  const cipher = new CredentialCipher(randomBytes(32));
  if (database === 'postgres') {
    const pg = await createTemporaryDatabase();
    const target: DatabaseTarget = { flavour: 'postgresql', location: pg.url };
    const store = await Store.open(target, pino({ level: 'silent' }), cipher);
    const dispose = async () => {
      await store.close();
      await pg.drop();
    };
    return { store, cipher, url: pg.url, target, dispose };
  }
  const dir = mkdtempSync(join(tmpdir(), 'slipstream-store-'));
  const target: DatabaseTarget = { flavour: 'sqlite', location: join(dir, 'store.db') };
  const store = await Store.open(target, pino({ level: 'silent' }), cipher);
  const dispose = async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { store, cipher, target, dispose };
}

/** Creates a tenant (`acme` unless named) and one run of it with these nodes, instances and parameters. */
export function createTestRun(
  store: Store,
  run: Pick<NewRun, 'nodes' | 'instances' | 'parameters'>,
  tenantName = 'acme',
): Promise<{ runId: string; tenantId: string }> {
  return store.write(async (repos) => {
    const tenant = await repos.tenants.create({ name: tenantName, displayName: tenantName, operator: false });
    const created = await repos.runs.create({
      tenantId: tenant.id,
      owner: 'alice',
      plan: { module: { path: 'acme/app', version: 1 }, kind: 'application', nodes: [] },
      keepRunning: 'always',
      scalable: false,
      timeoutMinutes: 60,
      defaultCloud: 'local',
      tags: [],
      sshKeys: [],
      requestId: null,
      ...run,
    });
    return { runId: created.id, tenantId: tenant.id };
  });
}

/** A test run's store and ids, set once the describe block's beforeAll has run. */
export interface TestRun {
  store: Store;
  runId: string;
  tenantId: string;
  /** The PostgreSQL database's URL (undefined on SQLite). */
  url: string | undefined;
}

/**
 * In a describe block: a Store on a fresh database with one run (createTestRun)
 * for its tests, opened before them and disposed of after them. Read the
 * fields in hooks and tests, not while the block is being declared.
 */
export function useTestRun(database: TestDatabase, run: Pick<NewRun, 'nodes' | 'instances' | 'parameters'>): TestRun {
  const testRun = {} as TestRun;
  let dispose: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const opened = await openTestStore(database);
    dispose = opened.dispose;
    Object.assign(testRun, { store: opened.store, url: opened.url }, await createTestRun(opened.store, run));
  });
  afterAll(async () => {
    await dispose?.();
  });
  return testRun;
}
