/**
 * Replicas started at the same moment on an empty PostgreSQL database: only
 * one may migrate it and create what the first controller creates (the
 * operator tenant, the controller-wide secrets); the others take turns and
 * find them made. Before they took turns, one of two failed on a duplicate
 * controller secret.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { buildAgentBundle, type AgentBundle } from '../../agent/build.js';
import { newTokenSecret } from '../../controller/auth/token-secret.js';
import { startController, type RunningController } from '../../controller/controller.js';
import { compileControllerOptions } from '../../controller/options.js';
import { createTemporaryDatabase, type TemporaryDatabase } from '../helpers/postgres.js';

describe('three replicas started together on an empty database', () => {
  let database: TemporaryDatabase | undefined;
  const controllers: RunningController[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'slipstream-together-'));

  afterAll(async () => {
    await Promise.allSettled(controllers.map((c) => c.stop()));
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('all start, one operator tenant and one set of controller secrets exist, each replica serving', async () => {
    database = await createTemporaryDatabase();
    const shared = { credentialKey: randomBytes(32).toString('base64'), bootstrapToken: newTokenSecret() };
    // One bundle for the three: what is measured is the database work of their starts.
    let bundle: Promise<AgentBundle> | undefined;
    const buildBundle = (path: string) => (bundle ??= buildAgentBundle(path, { private: true }));
    const started = await Promise.allSettled(
      [0, 1, 2].map(() =>
        startController(
          compileControllerOptions({
            listen: '127.0.0.1:0',
            httpListen: '127.0.0.1:0',
            databaseUrl: database!.url,
            dataDir,
            insecure: true,
            ha: true,
            logLevel: 'silent',
            ...shared,
          }),
          pino({ level: 'silent' }),
          { buildBundle },
        ),
      ),
    );
    for (const result of started) if (result.status === 'fulfilled') controllers.push(result.value);
    expect(started.map((r) => (r.status === 'rejected' ? String(r.reason) : 'started'))).toEqual(['started', 'started', 'started']);

    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    try {
      const tenants = await db.query<{ n: string }>('select count(*) as n from tenants');
      expect(Number(tenants.rows[0]!.n)).toBe(1);
      const secrets = await db.query<{ name: string }>('select name from controller_secrets order by name');
      expect(new Set(secrets.rows.map((r) => r.name)).size).toBe(secrets.rows.length);
      const replicas = await db.query<{ state: string; mode: string }>('select state, mode from controller_replicas');
      expect(replicas.rows).toEqual([
        { state: 'serving', mode: 'ha' },
        { state: 'serving', mode: 'ha' },
        { state: 'serving', mode: 'ha' },
      ]);
      expect(new Set(controllers.map((c) => c.controllerId)).size).toBe(1);
    } finally {
      await db.end();
    }
  });
});
