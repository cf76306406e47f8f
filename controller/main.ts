#!/usr/bin/env node
/**
 * The controller's composition root: the only place that reads process.env
 * and the command line.
 */
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { LogOutput } from '../common/log-output.js';
import { packageIsCheckout } from '../common/package-root.js';
import { localDialAddress } from './advertised-address.js';
import { DEFAULT_CALL_LIMITS } from './api/guards/call-limits.js';
import { ReplicaConflictError } from './cluster/replica-registry.js';
import { RemoteSimPool } from './connectors/sim/remote-sim-pool.js';
import { SIM_DRIVER_NAME } from './connectors/sim/sim-driver.js';
import { startController, type RunningController } from './controller.js';
import { UnreachableControllerError } from './remote-clouds.js';
import { createLogger } from './logger.js';
import { compileControllerOptions, OptionsError, type ControllerOptions } from './options.js';
import { armShutdownDeadline } from './shutdown-deadline.js';

// The AWS SDK warns about Node 20 on every client; the controller supports Node 20 (package.json engines) on purpose.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Exit code of a start refused because another controller uses the database in a way this one may not share. */
const EXIT_REFUSED = 3;

const program = new Command('slipstream-controller')
  .description('Slipstream controller: catalog, runs and the agent channel over gRPC')
  .addOption(new Option('--listen <host:port>', 'address to serve gRPC on').env('SLIPSTREAM_LISTEN'))
  .addOption(new Option('--http-listen <host:port>', 'address of the HTTP port: agent bundle, dashboard, browser API, metrics (default: gRPC port + 1)').env('SLIPSTREAM_HTTP_LISTEN'))
  .addOption(new Option('--public-address <host>', 'name or IP address VMs reach this controller by: they dial it and download the agent from it (default: the listen host)').env('SLIPSTREAM_PUBLIC_ADDRESS'))
  .addOption(new Option('--agent-address <host:port>', 'address agents dial back to (default: the public address, else the listen host, with the gRPC port)').env('SLIPSTREAM_AGENT_ADDRESS'))
  .addOption(new Option('--default-cloud <name>', 'cloud of nodes that name none').env('SLIPSTREAM_DEFAULT_CLOUD'))
  .addOption(new Option('--insecure', 'plaintext gRPC and bundle download, no TLS (local use only)').env('SLIPSTREAM_INSECURE'))
  .addOption(new Option('--tls-host <names...>', 'extra names/addresses for the server certificate').env('SLIPSTREAM_TLS_HOSTS'))
  .addOption(new Option('--tls-ca <file>', 'CA certificate (PEM) instead of the controller-made CA').env('SLIPSTREAM_TLS_CA'))
  .addOption(new Option('--tls-cert <file>', 'server certificate chain (PEM)').env('SLIPSTREAM_TLS_CERT'))
  .addOption(new Option('--tls-key <file>', 'server private key (PEM)').env('SLIPSTREAM_TLS_KEY'))
  .addOption(new Option('--database <url>', 'sqlite:PATH (default under the data dir) or postgres://...').env('SLIPSTREAM_DATABASE_URL'))
  .addOption(new Option('--data-dir <dir>', 'folder of the embedded database and controller files').env('SLIPSTREAM_DATA_DIR'))
  .addOption(new Option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent').env('SLIPSTREAM_LOG_LEVEL'))
  .addOption(new Option('--bootstrap-tenant <name>', 'operator tenant created on first start').env('SLIPSTREAM_BOOTSTRAP_TENANT'))
  .addOption(new Option('--bootstrap-admin <name>', 'admin user created on first start').env('SLIPSTREAM_BOOTSTRAP_ADMIN'))
  .addOption(new Option('--shutdown-grace-ms <ms>', 'grace period of a graceful shutdown').env('SLIPSTREAM_SHUTDOWN_GRACE_MS'))
  .addOption(new Option('--report-max-count <n>', 'reports one node instance may keep (default 16)').env('SLIPSTREAM_REPORT_MAX_COUNT'))
  .addOption(new Option('--report-max-bytes <bytes>', 'bytes the reports of one node instance may hold together (default 268435456)').env('SLIPSTREAM_REPORT_MAX_BYTES'))
  .addOption(new Option('--local-user <user>', 'user local VMs run as when the controller runs as root (default: nobody)').env('SLIPSTREAM_LOCAL_USER'))
  .addOption(new Option('--local-vm-dir <dir>', 'folder local VMs work in (default as root: <data dir>-local-vms)').env('SLIPSTREAM_LOCAL_VM_DIR'))
  .addOption(new Option('--max-streams-per-token <n>', 'server streams (watches, downloads) one API token may hold open; 0: no limit (default 32)').env('SLIPSTREAM_MAX_STREAMS_PER_TOKEN'))
  .addOption(new Option('--max-streams-per-tenant <n>', 'server streams the tokens of one tenant may hold open together; 0: no limit (default 256)').env('SLIPSTREAM_MAX_STREAMS_PER_TENANT'))
  .addOption(new Option('--mutation-burst-per-token <n>', 'mutating calls one API token may make at once (default 100)').env('SLIPSTREAM_MUTATION_BURST_PER_TOKEN'))
  .addOption(new Option('--mutation-rate-per-token <n>', 'mutating calls per second one API token may make after its burst; 0: no limit (default 20)').env('SLIPSTREAM_MUTATION_RATE_PER_TOKEN'))
  .addOption(new Option('--mutation-burst-per-tenant <n>', 'mutating calls the tokens of one tenant may make at once (default 300)').env('SLIPSTREAM_MUTATION_BURST_PER_TENANT'))
  .addOption(new Option('--mutation-rate-per-tenant <n>', 'mutating calls per second of one tenant after its burst; 0: no limit (default 60)').env('SLIPSTREAM_MUTATION_RATE_PER_TENANT'))
  .addOption(new Option('--max-sessions-per-agent <n>', 'agent sessions one agent credential may hold open; one more ends the oldest; 0: no limit (default 2)').env('SLIPSTREAM_MAX_SESSIONS_PER_AGENT'))
  .addOption(new Option('--ha', 'run as one of several replicas sharing a PostgreSQL database').env('SLIPSTREAM_HA'))
  .addOption(new Option('--lease-seconds <s>', 'HA: how long a silent replica keeps its runs before another takes them over (default 10)').env('SLIPSTREAM_LEASE_SECONDS'))
  .addOption(new Option('--reconcile-seconds <s>', 'how often the clouds are compared with the runs: leaked VMs terminated, vanished ones reported (default 60)').env('SLIPSTREAM_RECONCILE_SECONDS'))
  .addOption(new Option('--retention <days>', 'days a finished run, its journal, logs and reports are kept; 0: forever (default 30)').env('SLIPSTREAM_RETENTION_DAYS'))
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));

program.parse();
const flags = program.opts<Record<string, string | undefined>>();
const tlsHosts = program.opts<{ tlsHost?: string[] | string }>().tlsHost;

const numberFlag = (value: string | undefined) => (value === undefined ? undefined : Number(value));

/**
 * For tests and benchmarks only: SLIPSTREAM_SIM_POOL_URL names a sim pool
 * served by another process (SimPoolServer), whose agents outlive this
 * controller; it registers the `sim` driver over it and a cloud `sim`.
 * Deliberately not a flag: it is no part of the operator's interface.
 */
function simPoolOptions(url: string | undefined): Pick<ControllerOptions, 'extraClouds' | 'driverOptions'> {
  if (!url) return {};
  try {
    return { extraClouds: [{ name: SIM_DRIVER_NAME, driver: SIM_DRIVER_NAME, settings: {} }], driverOptions: { sim: { pool: new RemoteSimPool(url) } } };
  } catch (err) {
    process.stderr.write(`slipstream-controller: SLIPSTREAM_SIM_POOL_URL: ${(err as Error).message}\n`);
    process.exit(2);
  }
}

const input: ControllerOptions = {
  listen: flags.listen,
  httpListen: flags.httpListen,
  agentAddress: flags.agentAddress,
  publicAddress: flags.publicAddress,
  defaultCloud: flags.defaultCloud,
  insecure: Boolean(flags.insecure) && flags.insecure !== 'false' && flags.insecure !== '0',
  tlsHosts: typeof tlsHosts === 'string' ? tlsHosts.split(',') : tlsHosts,
  tlsCaCertPath: flags.tlsCa,
  tlsCertPath: flags.tlsCert,
  tlsKeyPath: flags.tlsKey,
  databaseUrl: flags.database,
  dataDir: flags.dataDir,
  logLevel: flags.logLevel,
  bootstrapTenant: flags.bootstrapTenant,
  bootstrapAdmin: flags.bootstrapAdmin,
  // Secrets only from the environment, never from argv (visible in `ps`).
  bootstrapToken: process.env.SLIPSTREAM_BOOTSTRAP_TOKEN,
  credentialKey: process.env.SLIPSTREAM_CREDENTIAL_KEY,
  shutdownGraceMs: flags.shutdownGraceMs === undefined ? undefined : Number(flags.shutdownGraceMs),
  callLimits: {
    streamsPerToken: numberFlag(flags.maxStreamsPerToken),
    streamsPerTenant: numberFlag(flags.maxStreamsPerTenant),
    mutationsPerToken: { burst: numberFlag(flags.mutationBurstPerToken) ?? DEFAULT_CALL_LIMITS.mutationsPerToken.burst, perSecond: numberFlag(flags.mutationRatePerToken) ?? DEFAULT_CALL_LIMITS.mutationsPerToken.perSecond },
    mutationsPerTenant: { burst: numberFlag(flags.mutationBurstPerTenant) ?? DEFAULT_CALL_LIMITS.mutationsPerTenant.burst, perSecond: numberFlag(flags.mutationRatePerTenant) ?? DEFAULT_CALL_LIMITS.mutationsPerTenant.perSecond },
    sessionsPerAgent: numberFlag(flags.maxSessionsPerAgent),
  },
  reportMaxCount: flags.reportMaxCount === undefined ? undefined : Number(flags.reportMaxCount),
  reportMaxBytes: flags.reportMaxBytes === undefined ? undefined : Number(flags.reportMaxBytes),
  localUser: flags.localUser,
  localVmDir: flags.localVmDir,
  ha: Boolean(flags.ha) && flags.ha !== 'false' && flags.ha !== '0',
  leaseSeconds: numberFlag(flags.leaseSeconds),
  reconcileSeconds: flags.reconcileSeconds === undefined ? undefined : flags.reconcileSeconds.trim() === '' ? Number.NaN : Number(flags.reconcileSeconds),
  // Blank is no number (Number('') would be 0, keeping runs forever): refused by the options.
  retentionDays: flags.retention === undefined ? undefined : flags.retention.trim() === '' ? Number.NaN : Number(flags.retention),
  ...simPoolOptions(process.env.SLIPSTREAM_SIM_POOL_URL),
};

let options;
try {
  options = compileControllerOptions(input);
} catch (err) {
  if (!(err instanceof OptionsError)) throw err;
  process.stderr.write(`slipstream-controller: ${err.message}\n`);
  process.exit(2);
}

// Logs never hold the controller up: a stdout whose reader stopped or is gone drops lines (counted) instead of
// blocking the event loop, so the API, the agents and a SIGTERM are served whatever becomes of the log's reader.
const logOutput = new LogOutput(process.stdout, {
  onResumed: (dropped) => log.warn({ dropped }, 'log lines dropped: stdout did not keep up'),
});
const log = createLogger(options.logLevel, logOutput);
// The messages for a person on stderr are best effort too: a reader gone from it must not crash the controller.
process.stderr.on('error', () => undefined);
const starting = startController(options, log);
// Listening before the start completes (the API serves while the agent bundle builds): a signal during the start
// stops the controller once it has started; a second one exits at once.
let signals = 0;
const onSignal = (signal: NodeJS.Signals) => {
  signals += 1;
  if (signals > 1) process.exit(1);
  log.info({ signal }, 'signal received');
  let controller: RunningController | undefined;
  armShutdownDeadline(options.shutdownGraceMs, () => (controller ? controller.shutdownStep : 'start'));
  starting
    .then(
      async (started) => {
        controller = started;
        await started.stop();
        await exitAfterLogs(0);
      },
      () => undefined, // the start failed: reported below
    )
    .catch((err: unknown) => {
      log.error({ err }, 'shutdown failed');
      process.exit(1);
    });
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
try {
  const controller = await starting;
  if (controller.generatedBootstrapToken) {
    // Shown once, outside the (redacted) log: nobody can recover it later.
    process.stderr.write(
      `\nBootstrap admin token for tenant '${options.bootstrapTenant}' (shown only now):\n  ${controller.generatedBootstrapToken}\n` +
        `Use it:  ${packageIsCheckout() ? 'npm run -s slipstream --' : 'slipstream'} context set local --addr ${localDialAddress(controller.address)} --token ${controller.generatedBootstrapToken}` +
        `${options.insecure ? '' : ` --ca ${join(options.dataDir, 'tls', 'ca.pem')}`}\n` +
        `Dashboard: ${controller.dashboardUrl} (sign in with the token` +
        `${options.insecure ? ')' : `; the browser must trust ${join(options.dataDir, 'tls', 'ca.pem')}, see the README)`}\n\n`,
    );
  }
  // 'listening' comes first (the API serves while the agent bundle builds and runs resume); this says all of it is done.
  log.info({ address: controller.address, dashboard: controller.dashboardUrl }, 'started');
} catch (err) {
  if (err instanceof ReplicaConflictError) {
    // Not a crash but an operator's mistake: the message names the other controller, on stderr where a person looks,
    // and exit code 3 lets a supervisor tell "another controller holds the database" from a failure (1) or bad options (2).
    log.fatal({ reason: err.message }, 'start refused: another controller is using the database');
    process.stderr.write(`slipstream-controller: ${err.message}\n`);
    process.exit(EXIT_REFUSED);
  }
  if (err instanceof UnreachableControllerError) {
    // Fixed by giving an option, like a bad option: exit code 2.
    log.fatal({ reason: err.message }, 'start refused: no address VMs on other machines can reach');
    process.stderr.write(`slipstream-controller: ${err.message}\n`);
    process.exit(2);
  }
  log.fatal({ err }, 'controller failed to start');
  process.stderr.write(`slipstream-controller: failed to start: ${err instanceof Error ? err.message : String(err)} (the log has the details)\n`);
  process.exit(1);
}

/**
 * Exits once the last log lines are written (a stopped reader gets a second), saying on stderr what the log lost:
 * a lost log is no failure of the controller, so it changes no exit code.
 */
async function exitAfterLogs(code: number): Promise<never> {
  await logOutput.flush(1_000);
  const lost = logOutput.summary();
  if (lost) process.stderr.write(`slipstream-controller: ${lost}\n`);
  process.exit(code);
}
