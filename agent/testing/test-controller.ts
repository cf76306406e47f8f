/**
 * Test helper: a minimal fake AgentService on a real grpc-js server on
 * 127.0.0.1. It enrolls with one one-time token, holds the run's state and
 * pushes what the test scripts (welcome, StateCommand, KillScripts,
 * Shutdown), records what agents send (completions, parameter sets, aborts,
 * logs, uploads) and answers parameter waits when the test sets values.
 * Not a controller: no barrier, no persistence beyond the object. Two fakes
 * can play two controller replicas: one accepts the credentials the other
 * issued, and sends the agent's sessions to the other (Redirect).
 */
import { type sendUnaryData, Server, ServerCredentials, type ServerDuplexStream, type ServerReadableStream, status } from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type AgentAbort,
  type AgentHello,
  AgentPlan,
  AgentServiceService,
  type EnrollRequest,
  type EnrollResponse,
  type ParameterGet,
  type ParameterGetAll,
  RequestErrorCode,
  type ReportMissing,
  type ScaleCommand,
  type SessionRequest,
  type SessionResponse,
  type UploadReportRequest,
  type UploadReportResponse,
} from '../../proto/gen/slipstream/v1/agent.js';
import { type LogLine, RunState } from '../../proto/gen/slipstream/v1/runs.js';
import { requestErrorToProto, type RequestError, type RequestErrorFields } from '../../common/convert/request-errors.js';
import type { AgentConfig } from '../config.js';

type Session = ServerDuplexStream<SessionRequest, SessionResponse>;

/** Options of FakeController.start. */
export interface FakeControllerOptions {
  token?: string;
  instance?: string;
  runId?: string;
  plan?: Partial<AgentPlan>;
  runState?: RunState;
  epoch?: number;
  heartbeatIntervalMs?: number;
  /** Instances per node, for ss-get-all (default 1). */
  multiplicity?: Record<string, number>;
  /** Keys (qualified) that do not exist: gets answer `not-found`. */
  unknownKeys?: string[];
  /** Log lines kept in `logLines` (the rest are only counted). */
  keepLogLines?: number;
  /**
   * How errors are answered: `both` code and text, as today's controller does (the default); `text` only,
   * as a controller older than `error_code`; `code` only, as one that no longer fills the deprecated text.
   */
  errorFields?: 'both' | 'text' | 'code';
}

/** An answer to a waiting get or get-all. */
interface Answer {
  error?: RequestError;
  errorMessage?: string;
  value?: string;
  values?: string[];
  found?: boolean;
}

interface Waiter {
  session: Session;
  instance: string;
  kind: 'get' | 'getAll';
  request: ParameterGet | ParameterGetAll;
  timer?: NodeJS.Timeout;
}

/** The fake controller. */
export class FakeController {
  readonly token: string;
  readonly instance: string;
  readonly runId: string;
  plan: AgentPlan;
  run: { state: RunState; epoch: number; abortMessage: string; scale?: ScaleCommand };
  heartbeatIntervalMs: number;

  readonly enrollments: EnrollRequest[] = [];
  readonly hellos: AgentHello[] = [];
  readonly completions: { state: RunState; epoch: number }[] = [];
  readonly parameterSets: { key: string; value: string }[] = [];
  readonly parameters = new Map<string, string>();
  readonly parameterGets: ParameterGet[] = [];
  readonly parameterGetAlls: ParameterGetAll[] = [];
  readonly aborts: AgentAbort[] = [];
  readonly logLines: LogLine[] = [];
  /** For each abort, how many log lines had arrived before it. */
  readonly logLinesBeforeAbort: number[] = [];
  readonly uploads: { name: string; data: Buffer }[] = [];
  /** Set: every upload is refused with this status (as a controller that is away: UNAVAILABLE). */
  refuseUploads: status | undefined;
  /** Uploads refused by `refuseUploads`. */
  uploadsRefused = 0;
  /** The agent's notices that it gave up on its report. */
  readonly reportsMissing: ReportMissing[] = [];
  logLineCount = 0;
  droppedTotal = 0;
  heartbeats = 0;
  sessionsOpened = 0;
  /** Sessions sent elsewhere with a Redirect. */
  sessionsRedirected = 0;
  /**
   * Set: every new session gets a Redirect to this address (empty: no owner
   * right now) and ends UNAVAILABLE, as a replica that does not drive the run.
   */
  redirectTo: string | undefined;

  private readonly sessions = new Set<Session>();
  private waiters: Waiter[] = [];
  private credential: string | undefined;
  /** Fakes whose issued credentials this one accepts too (replicas sharing one database). */
  private readonly peers: FakeController[] = [];
  private tokenUsed = false;
  private server: Server | undefined;
  private readonly options: FakeControllerOptions;
  private readonly keepLogLines: number;
  port = 0;

  private constructor(options: FakeControllerOptions) {
    this.options = options;
    this.token = options.token ?? 'bootstrap-' + randomBytes(6).toString('hex');
    this.instance = options.instance ?? 'web.1';
    this.runId = options.runId ?? 'run-1';
    const [node, index] = this.instance.split('.') as [string, string];
    this.plan = AgentPlan.create({ runId: this.runId, node, index: Number(index), cloud: 'local', ...options.plan });
    this.run = { state: options.runState ?? RunState.RUN_STATE_PROVISIONING, epoch: options.epoch ?? 1, abortMessage: '' };
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 1_000;
    this.keepLogLines = options.keepLogLines ?? 20_000;
  }

  /** Starts a fake on 127.0.0.1 (port 0 = any free port). */
  static async start(options: FakeControllerOptions = {}, port = 0): Promise<FakeController> {
    const fake = new FakeController(options);
    await fake.listen(port);
    return fake;
  }

  /** `127.0.0.1:PORT` */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Streams currently open. */
  get openSessions(): number {
    return this.sessions.size;
  }

  /** An agent config pointing at this fake. */
  agentConfig(workDir: string, extra: Partial<AgentConfig> = {}): AgentConfig {
    return {
      controller: this.address,
      insecure: true,
      runId: this.runId,
      instance: this.instance,
      bootstrapToken: this.token,
      workDir,
      hostname: 'vm-test',
      ip: '10.0.0.7',
      instanceId: 'i-0123',
      ...extra,
    };
  }

  /** Writes `<dir>/agent.json` (mode 0600) and returns its path. */
  async writeConfigFile(dir: string, extra: Partial<AgentConfig> = {}): Promise<string> {
    await mkdir(dir, { recursive: true });
    const file = join(dir, 'agent.json');
    const { workDir: _omit, ...config } = this.agentConfig(dir, extra);
    await writeFile(file, JSON.stringify(config, null, 2), { mode: 0o600 });
    return file;
  }

  /** Moves the run to `state` and pushes a StateCommand to every open session. */
  setState(state: RunState, extra: { epoch?: number; abortMessage?: string; scale?: ScaleCommand } = {}): void {
    this.run = {
      state,
      epoch: extra.epoch ?? this.run.epoch,
      abortMessage: extra.abortMessage ?? this.run.abortMessage,
      scale: extra.scale,
    };
    this.broadcast({
      message: {
        $case: 'state',
        value: { state, epoch: this.run.epoch, abortMessage: this.run.abortMessage, scale: this.run.scale },
      },
    });
  }

  /** True once the agent completed (state, epoch). */
  hasCompleted(state: RunState, epoch = this.run.epoch): boolean {
    return this.completions.some((c) => c.state === state && c.epoch === epoch);
  }

  /** Sets a parameter (qualified key, `node.N:name`) and answers the waits on it. */
  setParameter(key: string, value: string): void {
    this.parameters.set(key, value);
    this.answerWaiters();
  }

  /** Pushes KillScripts. */
  killScripts(reason = 'test'): void {
    this.broadcast({ message: { $case: 'killScripts', value: { reason } } });
  }

  /** Pushes Shutdown. */
  shutdown(reason = 'test'): void {
    this.broadcast({ message: { $case: 'shutdown', value: { reason } } });
  }

  /** Forgets the issued credential: the next session is refused with UNAUTHENTICATED. */
  revokeCredential(): void {
    this.credential = undefined;
    for (const s of this.sessions) s.emit('error', { code: status.UNAUTHENTICATED, details: 'credential revoked' });
  }

  /** Accepts the credentials `other` issued, as a replica on the same database. */
  trustCredentialsOf(other: FakeController): void {
    this.peers.push(other);
  }

  /** Sends every open session to `address` (what a replica does when its run moves away) and ends it UNAVAILABLE. */
  redirectSessions(address: string, reason = 'run moved'): void {
    for (const s of [...this.sessions]) this.redirect(s, address, reason);
  }

  /** Stops the server at once (streams break). */
  async stop(): Promise<void> {
    for (const w of this.waiters) clearTimeout(w.timer);
    this.waiters = [];
    this.sessions.clear();
    this.server?.forceShutdown();
    this.server = undefined;
  }

  /** Starts serving again on the same port (state kept, like a controller with a database). */
  async restart(): Promise<void> {
    await this.listen(this.port);
  }

  private async listen(port: number): Promise<void> {
    const server = new Server();
    server.addService(AgentServiceService, {
      enroll: (call: { request: EnrollRequest }, callback: sendUnaryData<EnrollResponse>) => this.enroll(call.request, callback),
      session: (call: Session) => this.session(call),
      uploadReport: (call: ServerReadableStream<UploadReportRequest, UploadReportResponse>, callback: sendUnaryData<UploadReportResponse>) =>
        this.upload(call, callback),
    });
    this.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
    );
    this.server = server;
  }

  private enroll(request: EnrollRequest, callback: sendUnaryData<EnrollResponse>): void {
    this.enrollments.push(request);
    if (request.bootstrapToken !== this.token) return callback({ code: status.UNAUTHENTICATED, details: 'unknown bootstrap token' });
    if (this.tokenUsed) return callback({ code: status.PERMISSION_DENIED, details: 'bootstrap token already used' });
    this.tokenUsed = true;
    this.credential = 'cred-' + randomBytes(12).toString('hex');
    callback(null, { credential: this.credential, runId: this.runId, instance: this.instance });
  }

  private authorized(metadata: { get(key: string): unknown[] }): boolean {
    const given = metadata.get('authorization')[0];
    return [this, ...this.peers].some((c) => !!c.credential && given === `Bearer ${c.credential}`);
  }

  private redirect(call: Session, address: string, reason: string): void {
    this.sessions.delete(call);
    this.sessionsRedirected++;
    call.write({ message: { $case: 'redirect', value: { address, reason } } });
    call.emit('error', { code: status.UNAVAILABLE, details: `${reason}; reconnect to ${address}` });
  }

  private session(call: Session): void {
    if (!this.authorized(call.metadata)) {
      call.emit('error', { code: status.UNAUTHENTICATED, details: 'bad credential' });
      return;
    }
    this.sessionsOpened++;
    this.sessions.add(call);
    if (this.redirectTo !== undefined) return this.redirect(call, this.redirectTo, 'not the owner of the run');
    const drop = (): void => {
      this.sessions.delete(call);
      this.waiters = this.waiters.filter((w) => {
        if (w.session !== call) return true;
        clearTimeout(w.timer);
        return false;
      });
    };
    call.on('data', (request: SessionRequest) => this.onMessage(call, request));
    call.on('end', () => {
      drop();
      call.end();
    });
    call.on('error', drop);
    call.on('cancelled', drop);
  }

  private onMessage(call: Session, request: SessionRequest): void {
    const m = request.message;
    if (!m) return;
    const send = (message: SessionResponse['message']): void => {
      if (this.sessions.has(call)) call.write({ message });
    };
    switch (m.$case) {
      case 'hello':
        this.hellos.push(m.value);
        send({
          $case: 'welcome',
          value: {
            heartbeatIntervalMs: this.heartbeatIntervalMs,
            runState: this.run.state,
            abortMessage: this.run.abortMessage,
            plan: this.plan,
            epoch: this.run.epoch,
            scale: this.run.scale,
          },
        });
        return;
      case 'heartbeat':
        this.heartbeats++;
        return;
      case 'stateComplete':
        this.completions.push({ state: m.value.state, epoch: m.value.epoch });
        return;
      case 'parameterSet': {
        const key = this.qualify(m.value.key);
        if (!key.startsWith(this.instance + ':')) {
          send({ $case: 'ack', value: { requestId: m.value.requestId, ...this.errorFields('permission-denied', `${this.instance} may not set ${key}`) } });
          return;
        }
        this.parameterSets.push({ key, value: m.value.value });
        this.parameters.set(key, m.value.value);
        send({ $case: 'ack', value: { requestId: m.value.requestId, ...this.errorFields() } });
        this.answerWaiters();
        return;
      }
      case 'parameterGet':
        this.parameterGets.push(m.value);
        this.waiters.push({ session: call, instance: this.instance, kind: 'get', request: m.value });
        this.armTimeout(this.waiters[this.waiters.length - 1]!);
        this.answerWaiters();
        return;
      case 'parameterGetAll':
        this.parameterGetAlls.push(m.value);
        this.waiters.push({ session: call, instance: this.instance, kind: 'getAll', request: m.value });
        this.armTimeout(this.waiters[this.waiters.length - 1]!);
        this.answerWaiters();
        return;
      case 'abort':
        this.aborts.push(m.value);
        this.logLinesBeforeAbort.push(this.logLines.length);
        if (m.value.cancel) this.run.abortMessage = '';
        else if (!this.run.abortMessage) this.run.abortMessage = m.value.message;
        send({ $case: 'ack', value: { requestId: m.value.requestId, ...this.errorFields() } });
        this.answerWaiters();
        return;
      case 'reportMissing':
        this.reportsMissing.push(m.value);
        send({ $case: 'ack', value: { requestId: m.value.requestId, ...this.errorFields() } });
        return;
      case 'logs':
        this.logLineCount += m.value.lines.length;
        this.droppedTotal += m.value.dropped;
        for (const line of m.value.lines) if (this.logLines.length < this.keepLogLines) this.logLines.push(line);
        return;
    }
  }

  private armTimeout(w: Waiter): void {
    if (!w.request.wait || w.request.timeoutMs <= 0) return;
    w.timer = setTimeout(() => {
      this.waiters = this.waiters.filter((x) => x !== w);
      this.reply(w, { error: 'timeout', errorMessage: 'timed out' });
    }, w.request.timeoutMs);
  }

  private answerWaiters(): void {
    this.waiters = this.waiters.filter((w) => {
      const answer = this.answer(w);
      if (!answer) return true;
      clearTimeout(w.timer);
      this.reply(w, answer);
      return false;
    });
  }

  private answer(w: Waiter): Answer | undefined {
    if (this.run.abortMessage && w.request.wait) return { error: 'aborted', errorMessage: this.run.abortMessage };
    if (w.kind === 'get') {
      const key = this.qualify(w.request.key);
      if (this.options.unknownKeys?.includes(key)) return { error: 'not-found', errorMessage: `${key} does not exist` };
      const value = this.parameters.get(key);
      if (value !== undefined) return { value, found: true };
      return w.request.wait ? undefined : { value: '', found: false };
    }
    const r = w.request as ParameterGetAll;
    const n = this.options.multiplicity?.[r.node] ?? 1;
    const values = Array.from({ length: n }, (_, i) => this.parameters.get(`${r.node}.${i + 1}:${r.key}`));
    if (values.every((v) => v !== undefined)) return { values: values as string[] };
    return w.request.wait ? undefined : { values: values.map((v) => v ?? '') };
  }

  private reply(w: Waiter, a: Answer): void {
    if (!this.sessions.has(w.session)) return;
    if (w.kind === 'get') {
      const r = w.request as ParameterGet;
      w.session.write({
        message: {
          $case: 'parameter',
          value: { requestId: r.requestId, key: r.key, value: a.value ?? '', found: a.found ?? false, ...this.errorFields(a.error, a.errorMessage) },
        },
      });
    } else {
      w.session.write({
        message: {
          $case: 'parameterGetAll',
          value: { requestId: w.request.requestId, values: a.values ?? [], ...this.errorFields(a.error, a.errorMessage) },
        },
      });
    }
  }

  /** A reply's error fields, as `errorFields` says (none when `error` is undefined). */
  private errorFields(error?: RequestError, message?: string): RequestErrorFields {
    const fields = requestErrorToProto(error, message);
    if (this.options.errorFields === 'text') return { ...fields, errorCode: RequestErrorCode.REQUEST_ERROR_CODE_UNSPECIFIED };
    if (this.options.errorFields === 'code') return { ...fields, error: '' };
    return fields;
  }

  private qualify(key: string): string {
    const colon = key.indexOf(':');
    if (colon === -1) return `${this.instance}:${key}`;
    const owner = key.slice(0, colon);
    return owner === 'ss' || owner.includes('.') ? key : `${owner}.1:${key.slice(colon + 1)}`;
  }

  private upload(call: ServerReadableStream<UploadReportRequest, UploadReportResponse>, callback: sendUnaryData<UploadReportResponse>): void {
    if (!this.authorized(call.metadata)) return callback({ code: status.UNAUTHENTICATED, details: 'bad credential' });
    if (this.refuseUploads !== undefined) {
      this.uploadsRefused++;
      return callback({ code: this.refuseUploads, details: 'uploads refused by the test' });
    }
    let name = '';
    const chunks: Buffer[] = [];
    call.on('data', (m: UploadReportRequest) => {
      if (!name && m.name) name = m.name;
      if (m.chunk.length > 0) chunks.push(Buffer.from(m.chunk));
    });
    call.on('end', () => {
      const data = Buffer.concat(chunks);
      this.uploads.push({ name, data });
      callback(null, { report: { instance: this.instance, name, sizeBytes: data.length, sha256: '', createdAt: new Date() } });
    });
  }

  private broadcast(response: SessionResponse): void {
    for (const s of this.sessions) s.write(response);
  }
}
