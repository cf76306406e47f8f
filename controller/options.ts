import { resolve } from 'node:path';
import { compileCallLimits, type CallLimitOptions } from './api/guards/call-limits.js';
import type { AzureDriverOptions } from './connectors/azure/azure-driver.js';
import type { GcpDriverOptions } from './connectors/gcp/gcp-driver.js';
import { decideLocalVmPlacement, LocalVmPlacementError, lookupUser, type LocalVmPlacement } from './connectors/local/placement.js';
import type { SimDriverOptions } from './connectors/sim/sim-driver.js';
import { DNS_LABEL, USER_NAME } from '../common/names.js';
import { hostOf, isUnspecifiedHost, normalizePublicAddress, publicAddressProblem } from './advertised-address.js';
import { parseDatabaseUrl, type DatabaseTarget } from './store/database-url.js';

const RECONCILE_SECONDS_REFUSED = 'reconcile seconds: --reconcile-seconds S (SLIPSTREAM_RECONCILE_SECONDS) must be a number from 1 to 86400';

/** What a caller may set; everything has a default. */
export interface ControllerOptions {
  /** `host:port` to serve gRPC on; port 0 picks a free one. */
  listen?: string;
  /** `sqlite:PATH` (embedded default) or `postgres://...`. */
  databaseUrl?: string;
  /** Where the embedded database and the controller's files live. */
  dataDir?: string;
  logLevel?: string;
  /** Tenant and admin created on first start with an empty database. */
  bootstrapTenant?: string;
  bootstrapAdmin?: string;
  /** Use this secret for the bootstrap admin's token instead of generating one. */
  bootstrapToken?: string;
  /** How long a graceful shutdown waits for in-flight calls before cancelling them. */
  shutdownGraceMs?: number;
  /** `host:port` of the HTTP server that serves the agent bundle; port 0 picks a free one. */
  httpListen?: string;
  /** The address agents dial back to; default: the public address, else the gRPC listen address (127.0.0.1 for a wildcard host), with the gRPC port. */
  agentAddress?: string;
  /**
   * The host name or IP address VMs reach this controller by (NAT, a container's published ports): what they dial
   * (with the gRPC port, unless `agentAddress` says otherwise) and where they download the agent (with the bundle
   * server's port). Default: the host of `agentAddress`, else the listen host (controller/advertised-address.ts).
   */
  publicAddress?: string;
  /** Cloud of nodes that name none when the launch names none either. */
  defaultCloud?: string;
  /** Plaintext gRPC and bundle download (no TLS): only for the `local` driver on one machine, and tests. */
  insecure?: boolean;
  /** Names and addresses clients and agents dial the controller by (server certificate SANs). */
  tlsHosts?: string[];
  /** Use these PEM files instead of the controller's own CA (all three together). */
  tlsCaCertPath?: string;
  tlsCertPath?: string;
  tlsKeyPath?: string;
  /** How often the clouds are compared with the runs (leaked and vanished VMs). */
  reconcileIntervalMs?: number;
  /** The same in seconds, as `--reconcile-seconds` gives it: from 1 to 86,400 (a day); reconcileIntervalMs wins when both are given. */
  reconcileSeconds?: number;
  /** base64 of the 32-byte key that encrypts cloud credentials; default: a key file in the data dir. */
  credentialKey?: string;
  /** Reports one node instance may keep (distinct names); default 16. */
  reportMaxCount?: number;
  /** Bytes the reports of one node instance may hold together; default 256 MiB, at most 2 GiB - 1. */
  reportMaxBytes?: number;
  /** Clouds beyond the built-in `local` one (tests configure `fake` clouds here). */
  extraClouds?: { name: string; driver: string; settings: Record<string, string> }[];
  /** Options of the cloud drivers (tests: an injected credential, trusted CA, auth client); default: each driver's defaults. */
  driverOptions?: ControllerDriverOptions;
  /** The user local VMs run as when the controller runs as root (default `nobody`); refused otherwise. */
  localUser?: string;
  /** Where local VMs work (default as root: `<dataDir>-local-vms`; otherwise beside their records in the data dir). */
  localVmDir?: string;
  /** Open streams and mutating calls per API token and tenant, sessions per agent (controller/api/guards/call-limits.ts); default: DEFAULT_CALL_LIMITS. */
  callLimits?: Partial<CallLimitOptions>;
  /** One of several replicas sharing a PostgreSQL database (default: alone on its database). */
  ha?: boolean;
  /** HA: how long a replica holds its runs without a heartbeat before another takes them over (default 10 s). */
  leaseSeconds?: number;
  /** Days a finished run (its journal, logs, parameters and reports) is kept after it turned final; 0 keeps runs forever (default 30). */
  retentionDays?: number;
}

/** What the controller passes to `createAzureDriver` and `createGcpDriver`. */
export interface ControllerDriverOptions {
  azure?: AzureDriverOptions;
  gcp?: GcpDriverOptions;
  /** Registers the `sim` driver (tests, benchmarks) over this pool of agent processes; off without it. */
  sim?: SimDriverOptions;
}

/** Validated, defaulted, frozen options. */
export interface CompiledControllerOptions {
  readonly listen: { host: string; port: number };
  readonly database: DatabaseTarget;
  readonly dataDir: string;
  readonly logLevel: string;
  readonly bootstrapTenant: string;
  readonly bootstrapAdmin: string;
  readonly bootstrapToken: string | undefined;
  readonly shutdownGraceMs: number;
  readonly httpListen: { host: string; port: number };
  readonly agentAddress: string | undefined;
  /** The bare host VMs reach the controller by (an IPv6 address unbracketed), when one was given. */
  readonly publicAddress: string | undefined;
  readonly defaultCloud: string;
  readonly credentialKey: string | undefined;
  /** Per node instance: how many reports, and how many bytes of them, the controller keeps. */
  readonly reportQuota: Readonly<{ maxCount: number; maxBytes: number }>;
  readonly reconcileIntervalMs: number;
  readonly ha: boolean;
  readonly leaseMs: number;
  /** Days a final run is kept; 0: forever. */
  readonly retentionDays: number;
  readonly insecure: boolean;
  readonly tlsHosts: readonly string[];
  readonly tlsFiles: { caCertPath: string; certPath: string; keyPath: string } | undefined;
  readonly extraClouds: readonly { name: string; driver: string; settings: Record<string, string> }[];
  readonly driverOptions: Readonly<ControllerDriverOptions>;
  /** Where local VMs work and as whom they run. */
  readonly localVms: LocalVmPlacement;
  readonly callLimits: CallLimitOptions;
}

/** A century: longer is a mistake, not a policy (0 keeps runs forever). */
const MAX_RETENTION_DAYS = 36_500;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Thrown for a bad option; the message names the option and the reason. */
export class OptionsError extends Error {}

/** Applies defaults and validates everything once, failing fast with a clear message. */
export function compileControllerOptions(input: ControllerOptions): CompiledControllerOptions {
  const dataDir = resolve(input.dataDir ?? './data');
  const listen = parseListen(input.listen ?? '127.0.0.1:50051');
  let database: DatabaseTarget;
  try {
    database = parseDatabaseUrl(input.databaseUrl ?? `sqlite:${resolve(dataDir, 'slipstream.db')}`);
  } catch (err) {
    throw new OptionsError(`database: ${(err as Error).message}`);
  }
  const logLevel = input.logLevel ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new OptionsError(`log level: '${logLevel}' is not one of ${LOG_LEVELS.join(', ')}`);
  const bootstrapTenant = input.bootstrapTenant ?? 'default';
  if (!DNS_LABEL.test(bootstrapTenant)) throw new OptionsError(`bootstrap tenant: '${bootstrapTenant}' must be a DNS label`);
  const bootstrapAdmin = input.bootstrapAdmin ?? 'admin';
  if (!USER_NAME.test(bootstrapAdmin)) throw new OptionsError(`bootstrap admin: '${bootstrapAdmin}' is not a valid user name`);
  const bootstrapToken = input.bootstrapToken || undefined;
  if (bootstrapToken !== undefined && !/^sst_[A-Za-z0-9_-]{40,124}$/.test(bootstrapToken)) {
    throw new OptionsError('bootstrap token: must be sst_ followed by 40 to 124 characters of [A-Za-z0-9_-]');
  }
  const shutdownGraceMs = input.shutdownGraceMs ?? 10_000;
  if (!Number.isInteger(shutdownGraceMs) || shutdownGraceMs < 0) throw new OptionsError('shutdown grace: must be a non-negative integer of milliseconds');
  const httpListen = parseListen(input.httpListen ?? `${listen.host}:${listen.port === 0 ? 0 : listen.port + 1}`, 'http listen');
  const agentAddress = input.agentAddress || undefined;
  if (agentAddress !== undefined && !/^[^\s]+:\d{1,5}$/.test(agentAddress)) throw new OptionsError(`agent address: '${agentAddress}' must be HOST:PORT`);
  // A wildcard host passes here: where it is unroutable the start and the cloud calls refuse (controller/remote-clouds.ts).
  if (agentAddress !== undefined && !isUnspecifiedHost(hostOf(agentAddress)) && publicAddressProblem(hostOf(agentAddress)) !== undefined) {
    throw new OptionsError(`agent address: '${agentAddress}' must be HOST:PORT with a host name or IP address as HOST`);
  }
  // Empty (an unset variable in a template) is no public address: a start that needs one refuses (remote-clouds.ts).
  const publicAddressProblemFound = input.publicAddress ? publicAddressProblem(input.publicAddress) : undefined;
  if (publicAddressProblemFound) throw new OptionsError(`public address: '${input.publicAddress}': ${publicAddressProblemFound}`);
  const publicAddress = input.publicAddress ? normalizePublicAddress(input.publicAddress) : undefined;
  const defaultCloud = input.defaultCloud ?? 'local';
  const reconcileSeconds = input.reconcileSeconds ?? 60;
  if (!Number.isFinite(reconcileSeconds) || reconcileSeconds < 1 || reconcileSeconds > 86_400) throw new OptionsError(RECONCILE_SECONDS_REFUSED);
  const reconcileIntervalMs = input.reconcileIntervalMs ?? Math.round(reconcileSeconds * 1000);
  if (!Number.isInteger(reconcileIntervalMs) || reconcileIntervalMs < 100) throw new OptionsError('reconcile interval: must be an integer of at least 100 ms');
  const insecure = input.insecure ?? false;
  // VMs check the server certificate against the host they are given: it must be one of its names.
  const advertisedHosts = [publicAddress, agentAddress === undefined ? undefined : hostOf(agentAddress)].filter((h): h is string => h !== undefined && !isUnspecifiedHost(h));
  const tlsHosts = Object.freeze([
    ...new Set([...(input.tlsHosts ?? []), 'localhost', '127.0.0.1', ...(['0.0.0.0', '::'].includes(listen.host) ? [] : [listen.host]), ...advertisedHosts]),
  ]);
  const given = [input.tlsCaCertPath, input.tlsCertPath, input.tlsKeyPath];
  if (given.some(Boolean) && !given.every(Boolean)) throw new OptionsError('tls: give the CA certificate, the certificate and the key together');
  const tlsFiles = given.every(Boolean) ? { caCertPath: resolve(input.tlsCaCertPath!), certPath: resolve(input.tlsCertPath!), keyPath: resolve(input.tlsKeyPath!) } : undefined;
  if (insecure && tlsFiles) throw new OptionsError('tls: --insecure and TLS files exclude each other');
  const credentialKey = input.credentialKey || undefined;
  if (credentialKey !== undefined && Buffer.from(credentialKey, 'base64').length !== 32) {
    throw new OptionsError('credential key: must be 32 bytes, base64-encoded (openssl rand -base64 32)');
  }
  const reportQuota = Object.freeze({
    maxCount: positiveInteger(input.reportMaxCount ?? 16, 'report max count', 1_000_000),
    // A report's size is stored as a 32-bit integer.
    maxBytes: positiveInteger(input.reportMaxBytes ?? 256 * 1024 * 1024, 'report max bytes', 2 ** 31 - 1),
  });
  const extraClouds = Object.freeze([...(input.extraClouds ?? [])]);
  const driverOptions = Object.freeze({ ...(input.driverOptions ?? {}) });
  let localVms: LocalVmPlacement;
  try {
    localVms = decideLocalVmPlacement({ euid: process.geteuid?.() ?? -1, dataDir, user: input.localUser, vmDir: input.localVmDir }, lookupUser);
  } catch (err) {
    if (err instanceof LocalVmPlacementError) throw new OptionsError(err.message);
    throw err;
  }
  const ha = input.ha ?? false;
  const leaseSeconds = input.leaseSeconds ?? 10;
  if (!Number.isFinite(leaseSeconds) || leaseSeconds < 1 || leaseSeconds > 600) throw new OptionsError('lease seconds: must be a number from 1 to 600');
  const retentionDays = input.retentionDays ?? 30;
  if (!Number.isInteger(retentionDays) || retentionDays < 0 || retentionDays > MAX_RETENTION_DAYS) {
    throw new OptionsError(`retention: --retention DAYS (SLIPSTREAM_RETENTION_DAYS) must be a whole number of days from 0 (keep forever) to ${MAX_RETENTION_DAYS}`);
  }
  if (ha && database.flavour !== 'postgresql') throw new OptionsError('ha: replicas share a PostgreSQL database; give --database postgres://...');
  if (ha && credentialKey === undefined) {
    throw new OptionsError('ha: every replica must get the same credential key in SLIPSTREAM_CREDENTIAL_KEY (openssl rand -base64 32), or they cannot read each other’s sealed values');
  }
  if (ha && !insecure && !tlsFiles) {
    throw new OptionsError('ha: give every replica the same --tls-ca, --tls-cert and --tls-key (agents move between replicas and pin one CA), or --insecure');
  }
  let callLimits: CallLimitOptions;
  try {
    callLimits = compileCallLimits(input.callLimits ?? {});
  } catch (err) {
    throw new OptionsError((err as Error).message);
  }
  return Object.freeze({
    listen,
    database,
    dataDir,
    logLevel,
    bootstrapTenant,
    bootstrapAdmin,
    bootstrapToken,
    shutdownGraceMs,
    httpListen,
    agentAddress,
    publicAddress,
    defaultCloud,
    credentialKey,
    reportQuota,
    reconcileIntervalMs,
    ha,
    leaseMs: Math.round(leaseSeconds * 1000),
    retentionDays,
    insecure,
    tlsHosts,
    tlsFiles,
    extraClouds,
    driverOptions,
    localVms,
    callLimits,
  });
}

function positiveInteger(value: number, name: string, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max) throw new OptionsError(`${name}: must be a whole number from 1 to ${max}`);
  return value;
}

function parseListen(value: string, name = 'listen'): { host: string; port: number } {
  const match = /^(.+):(\d{1,5})$/.exec(value);
  const port = Number(match?.[2]);
  if (!match || port > 65535) throw new OptionsError(`${name}: '${value}' must be HOST:PORT, for example 127.0.0.1:50051`);
  return { host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port };
}
