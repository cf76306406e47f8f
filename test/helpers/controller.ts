import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { newTokenSecret } from '../../controller/auth/token-secret.js';
import { startController } from '../../controller/controller.js';
import { createLogger } from '../../controller/logger.js';
import { compileControllerOptions } from '../../controller/options.js';
import { createTemporaryDatabase } from './postgres.js';

export type TestDatabase = 'sqlite' | 'postgres';

/** A real controller on 127.0.0.1 with a fresh database. */
export interface TestController {
  address: string;
  /** The operator tenant's admin token. */
  adminToken: string;
  database: TestDatabase;
  /** The database URL, for tests that inspect rows directly. */
  databaseUrl: string;
  /** Every log line the controller wrote, as parsed JSON. */
  logs: Record<string, unknown>[];
  stop(): Promise<void>;
}

/** Starts a controller in this process on a free port; `stop` also drops its database. */
export async function startTestController(options: { database: TestDatabase }): Promise<TestController> {
  const dataDir = mkdtempSync(join(tmpdir(), 'slipstream-test-'));
  const pgDatabase = options.database === 'postgres' ? await createTemporaryDatabase() : undefined;
  const databaseUrl = pgDatabase?.url ?? `sqlite:${join(dataDir, 'slipstream.db')}`;
  const adminToken = newTokenSecret();
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const compiled = compileControllerOptions({
    listen: '127.0.0.1:0',
    databaseUrl,
    dataDir,
    logLevel: 'debug',
    bootstrapToken: adminToken,
    shutdownGraceMs: 2_000,
  });
  let controller;
  try {
    controller = await startController(compiled, createLogger(compiled.logLevel, sink));
  } catch (err) {
    await pgDatabase?.drop();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    address: controller.address,
    adminToken,
    database: options.database,
    databaseUrl,
    logs,
    async stop() {
      await controller.stop();
      await pgDatabase?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
