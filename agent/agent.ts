/**
 * One running agent: loads its state, enrolls if needed, writes the recipe
 * commands, opens the local socket and the session, and lets the phase
 * driver act on what the controller pushes. `done` resolves once, with why it
 * ended; `stop()` drains (kills running scripts, sends queued log lines,
 * closes the stream).
 */
import { mkdirSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { RunState } from '../proto/gen/slipstream/v1/runs.js';
import { requestErrorFromProto } from '../common/convert/request-errors.js';
import { createAgentClient } from './channel.js';
import { controllerAddressesOf } from './config.js';
import { ControllerChannels, type ControllerRoute } from './controller-channels.js';
import { EnrollCancelledError, enroll } from './enroll.js';
import { prepareForImage } from './image-preparation.js';
import { LocalSocketServer } from './local-socket.js';
import { LogBuffer } from './log-buffer.js';
import { compileAgentOptions, type AgentOptions, type CompiledAgentOptions } from './options.js';
import type { AgentPaths } from './paths.js';
import { PhaseDriver } from './phase-driver.js';
import { monotonicNow } from './probe.js';
import { type ControllerPort, runPhase } from './phases.js';
import { writeRecipeCommands } from './recipe-bin.js';
import { createRecipeRequestHandler } from './recipe-requests.js';
import { createReportTarball, uploadReport } from './report.js';
import { ReportUploadGaveUpError, uploadWithRetries } from './report-upload.js';
import { stateName } from './run-state.js';
import { AgentSession } from './session.js';
import { removeSocketFolder } from './socket-place.js';
import { StateStore } from './state-store.js';

/**
 * Why the agent ended: the run reached Finalizing or a final state
 * (`finished`), the controller sent Shutdown, `stop()` was called, a fatal
 * error (refused token or credential, unusable state file), or its VM
 * prepared itself to be imaged (`prepared`: image-preparation.ts).
 */
export type AgentExitReason = 'finished' | 'shutdown' | 'stopped' | 'fatal' | 'prepared';

/** How the agent ended. */
export interface AgentExit {
  reason: AgentExitReason;
  /** The run state that ended it, for `finished`. */
  state?: RunState;
  /** For `fatal`: what went wrong (the message is meant for a human). */
  error?: Error;
  /** 0 unless fatal. */
  exitCode: 0 | 1;
}

/** A started agent. */
export interface RunningAgent {
  /** Resolves once, when the agent has ended and released everything. */
  readonly done: Promise<AgentExit>;
  /** Kills running scripts (their phase is not completed), drains the session and resolves when done. */
  stop(): Promise<void>;
  /** Where the agent keeps its files (socket, logs, state). */
  readonly paths: AgentPaths;
}

/**
 * Starts an agent. Rejects only for bad options or an unusable work dir;
 * everything later (a refused token included) ends `done`.
 */
export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const compiled = await compileAgentOptions(options);
  const { paths } = compiled;
  let store: StateStore;
  try {
    // Synchronous: a few system calls, once, before the agent has anything else to do. Through the thread pool the
    // same calls cost 5-6x the CPU (5,000 fresh work dirs on tmpfs: 0.9-1.0 CPU-s against 0.15-0.18 s), which the
    // thousands of agents of a sim worker, all starting together, paid at once.
    for (const dir of [paths.workDir, paths.logsDir, paths.reportsDir, paths.homeDir, paths.scriptsDir, paths.tmpDir]) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    }
    store = StateStore.open(paths.stateFile);
  } catch (err) {
    await removeSocketFolder(paths.socketDir).catch(() => undefined);
    throw err;
  }
  if (paths.socketDir !== undefined) {
    compiled.log.info({ socketPath: paths.socketPath }, 'work dir too long for a socket path; the agent socket is in a private folder under the temp dir');
  }
  const agent = new Agent(compiled, store);
  agent.start();
  return { done: agent.done, stop: () => agent.stop(), paths };
}

class Agent {
  readonly done: Promise<AgentExit>;
  private resolveDone!: (exit: AgentExit) => void;
  private readonly lifetime = new AbortController();
  private readonly log;
  private readonly logs: LogBuffer;
  private channels: ControllerChannels | undefined;
  /** Where report uploads go: any replica takes them. */
  private uploads: ControllerRoute | undefined;
  private session: AgentSession | undefined;
  private socket: LocalSocketServer | undefined;
  private driver: PhaseDriver | undefined;
  private ending: Promise<void> | undefined;
  /** Set once the image preparation started: from then on nothing is written to the disk that becomes an image. */
  private preparing: Promise<void> | undefined;

  constructor(
    private readonly options: CompiledAgentOptions,
    private readonly store: StateStore,
  ) {
    this.log = options.log.child({ component: 'agent' });
    this.logs = new LogBuffer(options.config.instance, options.logBufferLines);
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  start(): void {
    this.run().catch((err: unknown) => void this.end({ reason: 'fatal', error: err as Error, exitCode: 1 }));
  }

  stop(): Promise<void> {
    return this.end({ reason: 'stopped', exitCode: 0 }).then(() => undefined);
  }

  private async run(): Promise<void> {
    const { config, paths, facts, log } = this.options;
    const persisted = this.store.get();
    if (persisted.runId !== undefined && (persisted.runId !== config.runId || persisted.instance !== config.instance)) {
      this.log.warn({ previousRunId: persisted.runId, previousInstance: persisted.instance }, 'state file belongs to another instance; starting over');
      await this.store.update((s) => {
        for (const key of Object.keys(s)) delete (s as unknown as Record<string, unknown>)[key];
        Object.assign(s, { completedState: 0, completedEpoch: 0, phaseRuns: {} });
      });
    }
    if (this.store.get().finished) {
      this.log.info({}, 'run already ended; nothing to do');
      return void this.end({ reason: 'finished', exitCode: 0 });
    }
    const channels = new ControllerChannels(controllerAddressesOf(config), (address) => createAgentClient(config, address));
    this.channels = channels;
    this.uploads = channels.route();
    let credential = this.store.get().credential;
    if (credential) {
      this.log.info({}, 'credential found; enrollment skipped');
    } else {
      const enrollment = channels.route();
      this.log.info({ controller: enrollment.address }, 'enrolling');
      try {
        const response = await enroll(
          enrollment,
          { bootstrapToken: config.bootstrapToken, agentVersion: this.options.agentVersion, ...facts },
          { backoff: this.options.backoff, log: log.child({ component: 'enroll' }), signal: this.lifetime.signal },
        );
        credential = response.credential;
        if (response.instance && response.instance !== config.instance) {
          this.log.warn({ enrolledAs: response.instance }, 'controller enrolled this agent under another instance name');
        }
      } catch (err) {
        if (err instanceof EnrollCancelledError) return;
        throw err;
      }
      await this.store.update((s) => {
        s.credential = credential;
        s.runId = config.runId;
        s.instance = config.instance;
      });
      const uptimeMs = Math.round(process.uptime() * 1000);
      this.options.probe?.({ type: 'enrolled', at: monotonicNow(), uptimeMs });
      this.log.info({ uptimeMs }, 'enrolled');
    }
    if (this.lifetime.signal.aborted) return;
    const { probe, recipeCommands } = this.options;
    if (recipeCommands) await writeRecipeCommands(paths.binDir, paths.socketPath, this.options.commandLine);
    const session = new AgentSession({
      route: channels.route(),
      credential,
      backoff: this.options.backoff,
      log: log.child({ component: 'session' }),
      logs: this.logs,
      handlers: {
        hello: () => ({
          agentVersion: this.options.agentVersion,
          completedState: this.store.get().completedState,
          completedEpoch: this.store.get().completedEpoch,
        }),
        welcome: (w) => {
          probe?.({ type: 'welcomed', at: monotonicNow(), state: w.runState, epoch: w.epoch });
          this.driver?.welcome(w);
        },
        state: (c) => {
          probe?.({ type: 'state-received', at: monotonicNow(), state: c.state, epoch: c.epoch });
          this.driver?.command(c);
        },
        killScripts: (k) => this.driver?.killScripts(k.reason),
        shutdown: (s) => {
          this.log.info({ reason: s.reason }, 'shutdown requested by the controller');
          void this.end({ reason: 'shutdown', exitCode: 0 });
        },
        fatal: (error) => void this.end({ reason: 'fatal', error, exitCode: 1 }),
      },
    });
    this.session = session;
    this.driver = new PhaseDriver({
      store: this.store,
      log: log.child({ component: 'phases' }),
      runPhase: (work) => {
        probe?.({ type: 'phase-started', at: monotonicNow(), state: work.state, epoch: work.epoch });
        return (this.options.phaseRunner ?? runPhase)(this.phaseEnvironment(session, credential), work);
      },
      sendComplete: (state, epoch) => {
        probe?.({ type: 'state-completed', at: monotonicNow(), state, epoch });
        const sent = session.send({ $case: 'stateComplete', value: { state, epoch } });
        this.log.info({ state: stateName(state), epoch, sent }, 'state complete');
      },
      completed: (done) => {
        // An image build's VM, its reports sent: strip the agent's identity off the disk, tell the controller, exit.
        if (done.state !== RunState.RUN_STATE_READY || done.abortMessage || done.scale || !done.plan.imagePreparation) return;
        this.preparing ??= this.prepareImage(session, credential, done.plan.imagePreparation);
      },
      ended: (state) => {
        // The state file is gone with the image preparation: do not write it back into the disk being imaged.
        if (this.preparing) return void this.end({ reason: 'finished', state, exitCode: 0 });
        void this.store
          .update((s) => {
            s.finished = true;
          })
          .catch((err: unknown) => this.log.error({ err: err as Error }, 'recording the end of the run failed'))
          .then(() => this.end({ reason: 'finished', state, exitCode: 0 }));
      },
    });
    if (this.lifetime.signal.aborted) return;
    if (recipeCommands) {
      this.socket = await LocalSocketServer.listen(paths.socketPath, createRecipeRequestHandler(session), log.child({ component: 'local-socket' }));
      if (this.lifetime.signal.aborted) return void (await this.socket.close());
    }
    session.start();
  }

  private phaseEnvironment(session: AgentSession, credential: string) {
    const { config, paths, facts, env, log } = this.options;
    const controller: ControllerPort = {
      setParameter: async (key, value, signal) => {
        const ack = await session.request('parameterSet', { key, value }, signal);
        const error = requestErrorFromProto(ack);
        if (error) throw new Error(`setting ${key} failed: ${error}: ${ack.errorMessage}`);
      },
      getParameter: async (key, { wait, timeoutMs }, signal) => {
        const reply = await session.request('parameterGet', { key, wait, timeoutMs }, signal);
        const error = requestErrorFromProto(reply);
        if (error) throw new Error(`getting ${key} failed: ${error}: ${reply.errorMessage}`);
        return reply.value;
      },
      abort: async (message, signal) => {
        const ack = await session.request('abort', { message, cancel: false }, signal);
        const error = requestErrorFromProto(ack);
        if (error) throw new Error(`abort refused: ${error}: ${ack.errorMessage}`);
      },
      sendReports: (signal) => this.sendReports(credential, signal),
    };
    return {
      instance: config.instance,
      runId: config.runId,
      paths,
      facts,
      env,
      installPackages: config.installPackages ?? false,
      installSshKeys: config.installSshKeys ?? false,
      userHome: env.HOME || homedir(),
      asRoot: process.getuid?.() === 0,
      logs: this.logs,
      controller,
      log: log.child({ component: 'phases' }),
    };
  }

  /** Runs the image preparation (image-preparation.ts); once the controller was told, the agent ends. */
  private async prepareImage(session: AgentSession, credential: string, script: string): Promise<void> {
    const controller = this.phaseEnvironment(session, credential).controller;
    const outcome = await prepareForImage({
      script,
      workDir: this.options.paths.workDir,
      env: this.options.env,
      logs: this.logs,
      log: this.log,
      setParameter: controller.setParameter,
      abort: controller.abort,
      signal: this.lifetime.signal,
    });
    // Failed: the run was aborted; the controller ends this agent as the run finalizes.
    if (outcome === 'prepared') await this.end({ reason: 'prepared', exitCode: 0 });
  }

  /**
   * Makes and uploads the report tarball within the upload policy's time; a
   * report that cannot be made or given up on is reported to the controller
   * (a `report-missing` event of the run) before the error goes on.
   */
  private async sendReports(credential: string, signal: AbortSignal): Promise<void> {
    const name = `${this.options.config.instance}.tar.gz`;
    let file: string | undefined;
    try {
      try {
        file = await createReportTarball(this.options.paths, name);
      } catch (err) {
        throw new ReportUploadGaveUpError(`the report tarball could not be made: ${(err as Error).message}`, false, { cause: err });
      }
      const tarball = file;
      await uploadWithRetries(this.options.reportUpload, {
        attempt: async () => {
          const response = await uploadReport(this.uploads!.client, credential, tarball, name, signal);
          this.log.info({ name, sizeBytes: response.report?.sizeBytes }, 'report uploaded');
        },
        failedOver: () => this.uploads!.failed(),
        address: () => this.uploads!.address,
        log: this.log,
        signal,
      });
    } catch (err) {
      if (err instanceof ReportUploadGaveUpError && !err.refusedByController && !signal.aborted) await this.tellReportMissing(name, err.reason, signal);
      throw err;
    } finally {
      if (file !== undefined) await unlink(file).catch(() => undefined);
    }
  }

  /** Tells the controller (over the session, re-sent until answered) that this instance's report will not come. */
  private async tellReportMissing(name: string, reason: string, signal: AbortSignal): Promise<void> {
    this.log.warn({ name, reason }, 'report upload given up; telling the controller');
    try {
      const ack = await this.session!.request('reportMissing', { name, reason }, signal);
      const error = requestErrorFromProto(ack);
      if (error) this.log.error({ name, error, detail: ack.errorMessage }, 'the controller did not record the missing report');
    } catch (err) {
      if (!signal.aborted) this.log.error({ err: err as Error, name }, 'telling the controller of the missing report failed');
    }
  }

  private end(exit: AgentExit): Promise<void> {
    this.ending ??= (async () => {
      this.lifetime.abort();
      if (exit.reason === 'fatal') this.log.error({ err: exit.error }, 'agent failed');
      else this.log.info({ reason: exit.reason, state: exit.state === undefined ? undefined : stateName(exit.state) }, 'agent ending');
      await this.driver?.stop();
      // No script is left to call the socket; closing it before the session drains leaves a local VM's terminate
      // (a SIGKILL that may come any moment now) less time to strand the private socket folder under the temp dir.
      await this.socket?.close();
      await removeSocketFolder(this.options.paths.socketDir).catch((err: unknown) =>
        this.log.warn({ err: err as Error, socketDir: this.options.paths.socketDir }, 'could not remove the socket folder'),
      );
      await this.session?.stop();
      this.channels?.close();
      this.resolveDone(exit);
    })();
    return this.ending;
  }
}
