import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { newTokenSecret } from '../../controller/auth/token-secret.js';
import { startController, type ControllerSeams } from '../../controller/controller.js';
import { createLogger } from '../../controller/logger.js';
import { compileControllerOptions, type ControllerDriverOptions } from '../../controller/options.js';
import { createTemporaryDatabase } from './postgres.js';
import { pino } from 'pino';
import { createLocalDriver } from '../../controller/connectors/local/local-driver.js';
import type { LocalVmPlacement } from '../../controller/connectors/local/placement.js';

export type TestDatabase = 'sqlite' | 'postgres';

/** A real controller on 127.0.0.1 with a fresh database. */
export interface TestController {
  address: string;
  /** The HTTP port's base URL (agent bundle, /metrics): https:// under `tls`. */
  httpUrl: string;
  /** The operator tenant's admin token. */
  adminToken: string;
  database: TestDatabase;
  /** The database URL, for tests that inspect rows directly. */
  databaseUrl: string;
  /** The controller's data dir (local VMs' records live under it). */
  dataDir: string;
  /** Where local VMs work and as whom they run (as root: `nobody`, under `<dataDir>-local-vms`). */
  localVms: LocalVmPlacement;
  /** Every log line the controller wrote, as parsed JSON. */
  logs: Record<string, unknown>[];
  /** PEM of the controller's CA when started with `tls`. */
  caCertificate: string | undefined;
  /** Runs one reconciliation pass now. */
  reconcile(): Promise<{ terminated: string[]; lost: string[] }>;
  /** Stops the controller but leaves its VMs, database and data dir (to restart on them). */
  stopControllerOnly(): Promise<void>;
  /** Stops the controller, kills every local VM it made, drops its database and data dir. */
  stop(): Promise<void>;
}

/** Kills every `local` VM (agent and descendants) under a data dir, the way the driver terminates one. */
export async function killLocalVms(dataDir: string, controllerId: string): Promise<void> {
  const driver = createLocalDriver({ agentCommand: () => [process.execPath] });
  const connector = driver.create({}, { dataDir, log: pino({ level: 'silent' }), credentials: {} });
  try {
    const vms = await connector.listTagged({ controllerId }).catch(() => []);
    await Promise.all(vms.filter((vm) => vm.state !== 'terminated').map((vm) => connector.terminate(vm.vmId)));
  } finally {
    await connector.close();
  }
}

/** What a test controller is started with: its database, and what a test varies. */
export interface TestControllerOptions {
  database: TestDatabase;
  /** Clouds beyond `local`, e.g. `{ name: 'flaky', driver: 'fake', settings: { failProvision: '2' } }`. */
  extraClouds?: { name: string; driver: string; settings: Record<string, string> }[];
  /** Options of the azure and gcp drivers (a test credential, trusted CA, auth client). */
  driverOptions?: ControllerDriverOptions;
  /** The address agents dial back to (e.g. a TCP proxy in front of the controller); default: the controller's own. */
  agentAddress?: string;
  /** Serve TLS with the controller's own CA (default: plaintext, as the local driver may). */
  tls?: boolean;
  /** Reuse a data dir and database (a restart); the caller cleans them up. */
  reuse?: { dataDir: string; databaseUrl: string; adminToken: string };
  /** Listen on this port (default: any free one), for a test that calls the API before the start is over. */
  port?: number;
  /** The admin's token (default: a new one). */
  adminToken?: string;
  seams?: ControllerSeams;
  /** More controller options (limits, quotas), applied last. */
  controllerOptions?: Parameters<typeof compileControllerOptions>[0];
}

/** Starts a controller in this process on a free port; `stop` also drops its database. */
export async function startTestController(options: TestControllerOptions): Promise<TestController> {
  const dataDir = options.reuse?.dataDir ?? mkdtempSync(join(tmpdir(), 'slipstream-test-'));
  const pgDatabase = options.reuse || options.database !== 'postgres' ? undefined : await createTemporaryDatabase();
  const databaseUrl = options.reuse?.databaseUrl ?? pgDatabase?.url ?? `sqlite:${join(dataDir, 'slipstream.db')}`;
  const adminToken = options.reuse?.adminToken ?? options.adminToken ?? newTokenSecret();
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const compiled = compileControllerOptions({
    listen: `127.0.0.1:${options.port ?? 0}`,
    databaseUrl,
    dataDir,
    logLevel: 'debug',
    bootstrapToken: adminToken,
    shutdownGraceMs: 2_000,
    httpListen: '127.0.0.1:0',
    insecure: !options.tls,
    extraClouds: options.extraClouds ?? [],
    ...(options.driverOptions ? { driverOptions: options.driverOptions } : {}),
    ...(options.agentAddress ? { agentAddress: options.agentAddress } : {}),
    ...options.controllerOptions,
  });
  let controller;
  try {
    controller = await startController(compiled, createLogger(compiled.logLevel, sink), options.seams);
  } catch (err) {
    await pgDatabase?.drop();
    rmSync(dataDir, { recursive: true, force: true });
    if (compiled.localVms.workRoot && !options.reuse) rmSync(compiled.localVms.workRoot, { recursive: true, force: true });
    throw err;
  }
  return {
    address: controller.address,
    httpUrl: controller.bundleUrl,
    adminToken,
    database: options.database,
    databaseUrl,
    dataDir,
    localVms: compiled.localVms,
    logs,
    stopControllerOnly: () => controller.stop(),
    reconcile: () => controller.reconcile(),
    caCertificate: controller.caCertificate,
    async stop() {
      await controller.stop();
      await killLocalVms(dataDir, controller.controllerId);
      if (!options.reuse) {
        await pgDatabase?.drop();
        rmSync(dataDir, { recursive: true, force: true });
        if (compiled.localVms.workRoot) rmSync(compiled.localVms.workRoot, { recursive: true, force: true });
      }
    },
  };
}
