/**
 * AgentOptions (what an embedder or main.ts passes) compiled once into frozen
 * CompiledAgentOptions: config loaded and validated, work dir resolved,
 * defaults applied, timings checked, the socket's place chosen (the one
 * thing compiling may create: a private socket folder, see socket-place.ts).
 * Fails fast with a clear message.
 */
import { homedir, tmpdir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { type AgentConfig, AgentConfigError, parseAgentConfig, readAgentConfigFile } from './config.js';
import { discoverFacts, type VmFacts } from './facts.js';
import { type AgentLogger, createAgentLogger, type LogLevel, type LogSink } from './log.js';
import { DEFAULT_LOG_BUFFER_LINES } from './log-buffer.js';
import { type AgentPaths, agentPaths } from './paths.js';
import type { PhaseEnvironment, PhaseOutcome, PhaseWork } from './phases.js';
import type { AgentProbe } from './probe.js';
import { agentCommandLine } from './recipe-bin.js';
import { DEFAULT_REPORT_UPLOAD, type ReportUploadPolicy } from './report-upload.js';
import { checkSocketPlace, placeSocket } from './socket-place.js';
import { AGENT_VERSION } from './version.js';

/** How to start an agent. Give exactly one of `config` and `configPath`. */
export interface AgentOptions {
  /** The config itself; then `config.workDir` is required. */
  config?: AgentConfig;
  /** A config file; `workDir` defaults to its folder. */
  configPath?: string;
  /** Receives each JSON log line; default: stderr. */
  logSink?: LogSink;
  /** Default `info`. */
  logLevel?: LogLevel;
  /** Reconnect/enroll retry timings; default 250 ms base, 4 s cap. */
  backoff?: Partial<BackoffOptions>;
  /**
   * The environment scripts inherit. main.ts passes the agent process's own;
   * an embedder that passes none gives scripts a minimal one (PATH, HOME,
   * LANG) rather than leaking its own environment into recipes.
   */
  env?: Readonly<Record<string, string | undefined>>;
  /** Output lines buffered for the controller before the oldest are dropped; default 10,000. */
  logBufferLines?: number;
  /** How the recipe commands start this agent's entry; default: detected (bundle or source). */
  commandLine?: readonly string[];
  /**
   * Runs each phase instead of the built-in bash runner. The `sim` cloud
   * driver passes one that interprets only the recipes' parameter commands,
   * so that thousands of agents fit on one machine.
   */
  phaseRunner?: PhaseRunner;
  /** False: no local socket and no recipe command files (for a phase runner that runs no bash). Default true. */
  recipeCommands?: boolean;
  /** Where the socket's private folder is made when `<workDir>/agent.sock` is too long for a socket path; default os.tmpdir(). */
  socketTmpDir?: string;
  /** Told of lifecycle moments with a monotonic timestamp, for measurements. */
  probe?: AgentProbe;
  /** How long the report upload is retried (default 10 minutes, 500 ms to 30 s apart). */
  reportUpload?: { giveUpMs?: number; backoff?: Partial<BackoffOptions> };
}

/** Runs the work of one phase (see phases.ts runPhase, the default). */
export type PhaseRunner = (env: PhaseEnvironment, work: PhaseWork) => Promise<PhaseOutcome>;

/** Validated, defaulted, frozen options. */
export interface CompiledAgentOptions {
  readonly config: Readonly<AgentConfig> & { readonly workDir: string };
  readonly paths: AgentPaths;
  readonly facts: VmFacts;
  readonly backoff: Readonly<BackoffOptions>;
  readonly log: AgentLogger;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly logBufferLines: number;
  readonly commandLine: readonly string[];
  readonly agentVersion: string;
  readonly phaseRunner: PhaseRunner | undefined;
  readonly recipeCommands: boolean;
  readonly probe: AgentProbe | undefined;
  readonly reportUpload: Readonly<ReportUploadPolicy>;
}

/**
 * Compiles `options`; throws AgentConfigError naming the bad field. When the
 * socket cannot be `<workDir>/agent.sock`, the private folder it goes in is
 * made last, once nothing else can fail: whoever gets the compiled options
 * owns `paths.socketDir` and removes it (removeSocketFolder).
 */
export async function compileAgentOptions(options: AgentOptions): Promise<CompiledAgentOptions> {
  if (!!options.config === !!options.configPath) throw new AgentConfigError('options: give exactly one of config and configPath');
  let config: AgentConfig;
  if (options.configPath) {
    config = await readAgentConfigFile(options.configPath);
  } else {
    config = parseAgentConfig(options.config);
    if (!config.workDir) throw new AgentConfigError('config.workDir: required when the config is not read from a file');
    config.workDir = resolve(config.workDir);
  }
  const workDir = config.workDir!;
  if (!isAbsolute(workDir)) throw new AgentConfigError('config.workDir: must be an absolute path');
  const recipeCommands = options.recipeCommands ?? true;
  const socketTmpDir = resolve(options.socketTmpDir ?? tmpdir());
  if (recipeCommands) checkSocketPlace(workDir, socketTmpDir);
  const backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
  if (!(backoff.baseMs > 0) || !(backoff.capMs >= backoff.baseMs)) {
    throw new AgentConfigError('options.backoff: baseMs must be > 0 and capMs >= baseMs');
  }
  const reportUpload = {
    giveUpMs: options.reportUpload?.giveUpMs ?? DEFAULT_REPORT_UPLOAD.giveUpMs,
    backoff: Object.freeze({ ...DEFAULT_REPORT_UPLOAD.backoff, ...options.reportUpload?.backoff }),
  };
  if (!(reportUpload.giveUpMs >= 0)) throw new AgentConfigError('options.reportUpload.giveUpMs: must be >= 0');
  if (!(reportUpload.backoff.baseMs > 0) || !(reportUpload.backoff.capMs >= reportUpload.backoff.baseMs)) {
    throw new AgentConfigError('options.reportUpload.backoff: baseMs must be > 0 and capMs >= baseMs');
  }
  const logBufferLines = options.logBufferLines ?? DEFAULT_LOG_BUFFER_LINES;
  if (!Number.isInteger(logBufferLines) || logBufferLines < 1) throw new AgentConfigError('options.logBufferLines: must be a positive integer');
  const log = createAgentLogger({
    sink: options.logSink,
    level: options.logLevel,
    bindings: { service: 'slipstream-agent', runId: config.runId, instance: config.instance },
  });
  const facts = Object.freeze(discoverFacts(config, process.pid));
  const commandLine = Object.freeze([...(options.commandLine ?? agentCommandLine())]);
  const paths = agentPaths(workDir);
  if (recipeCommands) {
    const place = await placeSocket(workDir, socketTmpDir);
    paths.socketPath = place.socketPath;
    if (place.privateDir !== undefined) paths.socketDir = place.privateDir;
  }
  return Object.freeze({
    config: Object.freeze({ ...config, workDir }),
    paths: Object.freeze(paths),
    facts,
    backoff: Object.freeze(backoff),
    log,
    env: Object.freeze({ ...(options.env ?? minimalEnv()) }),
    logBufferLines,
    commandLine,
    agentVersion: AGENT_VERSION,
    phaseRunner: options.phaseRunner,
    recipeCommands,
    probe: options.probe,
    reportUpload: Object.freeze(reportUpload),
  });
}

function minimalEnv(): Record<string, string> {
  return { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: homedir(), LANG: 'C.UTF-8' };
}
