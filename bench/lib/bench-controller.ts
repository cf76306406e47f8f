/**
 * The controller under measurement: in this process (its RSS is this
 * process's), on a fresh PostgreSQL database, plaintext on a fixed loopback
 * port so that it can be restarted under its agents, with the `sim` driver
 * over a pool of agent worker processes that outlives it.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { createSlipstreamClient, type SlipstreamClient } from '../../client/index.js';
import { newTokenSecret } from '../../controller/auth/token-secret.js';
import { SimPool } from '../../controller/connectors/sim/sim-pool.js';
import { startController, type RunningController } from '../../controller/controller.js';
import { createLogger } from '../../controller/logger.js';
import { compileControllerOptions } from '../../controller/options.js';
import { freePort } from '../../test/helpers/free-port.js';
import { createTemporaryDatabase } from '../../test/helpers/postgres.js';

export interface BenchController {
  readonly pool: SimPool;
  readonly client: SlipstreamClient;
  readonly databaseUrl: string;
  /** The controller's data dir (`local` VMs live under it). */
  readonly dataDir: string;
  /** A connection for the bench's own checks (not the controller's). */
  readonly db: pg.Client;
  readonly errors: string[];
  /** Stops the controller (its agents keep running) and starts it again on the same port and database; resolves once it serves. */
  restart(): Promise<{ downMs: number }>;
  close(): Promise<void>;
}

export async function startBenchController(options: { workers: number; workerCpuProfileDir?: string }): Promise<BenchController> {
  const database = await createTemporaryDatabase();
  const databaseUrl = database.url;
  // The sim VMs' disks live in the data dir: on tmpfs where there is one, as a VM's own disk would not be shared with
  // a thousand others; each agent's fsync of its state file then costs what it costs on one VM, not a queue on one disk.
  const dataDir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'slipstream-bench-'));
  const port = await freePort();
  const adminToken = newTokenSecret();
  const pool = SimPool.start({ workers: options.workers, ...(options.workerCpuProfileDir ? { cpuProfileDir: options.workerCpuProfileDir } : {}) });
  const errors: string[] = [];
  // Warnings and errors are kept (the report shows them); the rest costs nothing.
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line && errors.length < 50) errors.push(line.slice(0, 500));
      }
      done();
    },
  });
  const compiled = compileControllerOptions({
    listen: `127.0.0.1:${port}`,
    httpListen: '127.0.0.1:0',
    databaseUrl,
    dataDir,
    logLevel: 'warn',
    bootstrapToken: adminToken,
    insecure: true,
    shutdownGraceMs: 1_000,
    extraClouds: [{ name: 'sim', driver: 'sim', settings: {} }],
    driverOptions: { sim: { pool } },
  });
  const log = createLogger(compiled.logLevel, sink);
  // A restart runs no esbuild: from the sources a start copies the agent bundle cached by the first while no file of
  // it changed (agent-bundle-cache.ts), as a built controller's copies its build's. An esbuild run on the storm's path
  // measured the development setup (4,000 agents, three alternated pairs: storm 8.1-10.1 s with it, 6.9-8.8 s without).
  let controller: RunningController = await startController(compiled, log);
  const client = createSlipstreamClient({ address: `127.0.0.1:${port}`, token: adminToken });
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  return {
    pool,
    client,
    databaseUrl,
    dataDir,
    db,
    errors,
    async restart() {
      const started = Date.now();
      await controller.stop();
      controller = await startController(compiled, log);
      return { downMs: Date.now() - started };
    },
    async close() {
      client.close();
      await db.end().catch(() => undefined);
      await controller.stop().catch(() => undefined);
      await pool.close();
      await database.drop().catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
      if (compiled.localVms.workRoot) rmSync(compiled.localVms.workRoot, { recursive: true, force: true });
    },
  };
}
