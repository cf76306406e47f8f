/**
 * A fuzz campaign against a real controller process: random and damaged
 * messages to every method of every served service (the agent stream and the
 * report upload included), as every kind of caller, with a live run so that
 * ids and credentials are real. It records each call's status; a call that
 * ends INTERNAL, UNKNOWN or DATA_LOSS is a failure, and so is a controller
 * that dies, stops SERVING, logs an unexpected error or keeps the memory the
 * campaign made it take.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createFileRegistry, fromBinary, type DescMethod, type DescService } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { credentials, Metadata, status } from '@grpc/grpc-js';
import fc from 'fast-check';
import { createSlipstreamClient, type SlipstreamClient } from '../../client/index.js';
import { newTokenSecret } from '../../controller/auth/token-secret.js';
import { Role } from '../../proto/gen/slipstream/v1/users.js';
import { HealthCheckResponse_ServingStatus, HealthClient } from '../../proto/gen/grpc/health/v1/health.js';
import { controllerIdOf, spawnController, startedPort, type ControllerProcess } from '../helpers/controller-process.js';
import { killLocalVms } from '../helpers/controller.js';
import { component } from '../helpers/fixtures.js';
import { waitFor } from '../helpers/poll.js';
import { createTemporaryDatabase } from '../helpers/postgres.js';
import { MessageArbitraries, mutatedBytes } from './message-arbitrary.js';
import { authMetadata, callRaw, rawClient } from './raw-calls.js';

export interface CampaignOptions {
  seed: number;
  /** Calls to make after the warm-up (the warm-up makes a quarter as many more). */
  calls: number;
  database: 'sqlite' | 'postgres';
  /** Calls in flight at once. */
  concurrency?: number;
  /** Extra controller flags (limits raised so that the fuzzer reaches the handlers). */
  controllerArgs?: string[];
  /** Progress lines. */
  report?: (line: string) => void;
}

/** A call that ended in a status bad input must never cause. */
export interface CampaignFailure {
  method: string;
  caller: Caller;
  code: string;
  details: string;
  /** base64 of the request messages, to replay it. */
  request: string[];
}

export interface CampaignResult {
  seed: number;
  sent: number;
  /** Calls by status code name. */
  codes: Record<string, number>;
  /** Calls by method. */
  methods: Record<string, number>;
  /** Served methods the campaign never called (too few calls for the seed). */
  uncalled: string[];
  failures: CampaignFailure[];
  /** Controller log lines at error level or above (an unexpected error is a failure). */
  errorLogs: string[];
  serving: boolean;
  alive: boolean;
  /** The controller's JS heap in use after full garbage collections, MiB: after the warm-up and after the campaign. */
  heapMiB: { warm: number; after: number };
  /** The controller's resident memory, MiB: after the warm-up, the highest seen, and after the campaign. */
  rssMiB: { warm: number; peak: number; after: number };
  durationMs: number;
}

type Caller = 'admin' | 'viewer' | 'anonymous' | 'bogus' | 'agent';

/** Statuses that mean the controller failed, not the caller. */
const FAILURE_CODES = new Set([status.INTERNAL, status.UNKNOWN, status.DATA_LOSS]);
/**
 * How far the heap in use after the campaign may stay above its level after
 * the warm-up: what the calls legitimately leave behind (rows are in the
 * database, not in memory), never what grows with the number of calls.
 */
export const HEAP_SLACK_MIB = 16;

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** The contract's services the controller serves, from the descriptor set `npm run gen` writes. */
function servedServices(): DescService[] {
  const set = fromBinary(FileDescriptorSetSchema, readFileSync(join(REPO, 'proto/gen/descriptor.binpb')));
  const registry = createFileRegistry(set);
  const services: DescService[] = [];
  for (const file of registry.files) for (const service of file.services) services.push(service);
  return services.filter((s) => s.typeName.startsWith('slipstream.v1.') || s.typeName === 'grpc.health.v1.Health' || s.typeName === 'grpc.reflection.v1.ServerReflection');
}

/**
 * The JS heap in use after full garbage collections, MiB, read through the
 * controller's inspector by test/fuzz/heap-probe.ts (resident memory would
 * not tell: V8 keeps the pages it grew into long after their garbage is gone).
 */
async function heapUsedMiB(inspectorUrl: string): Promise<number> {
  const { stdout } = await run(process.execPath, ['--experimental-websocket', '--no-warnings', '--import', 'tsx', join(REPO, 'test/fuzz/heap-probe.ts'), inspectorUrl], { cwd: REPO, timeout: 60_000 });
  return (JSON.parse(stdout) as { usedSize: number }).usedSize / 2 ** 20;
}

function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) / 1024;
}

/** The first agent credential found in a local VM's state file below `dirs`. */
async function findAgentCredential(dirs: readonly string[]): Promise<string | undefined> {
  const walk = async (dir: string, depth: number): Promise<string | undefined> => {
    if (depth > 6) return undefined;
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isFile() && entry.name === 'state.json') {
        const credential = (JSON.parse(await readFile(path, 'utf8').catch(() => '{}')) as { credential?: string }).credential;
        if (credential) return credential;
      } else if (entry.isDirectory()) {
        const found = await walk(path, depth + 1);
        if (found) return found;
      }
    }
    return undefined;
  };
  for (const dir of dirs) {
    const found = await walk(dir, 0);
    if (found) return found;
  }
  return undefined;
}

/** What a campaign needs of the controller it attacks. */
interface Target {
  proc: ControllerProcess;
  /** The controller's inspector (`--inspect` on a free loopback port), for heap readings. */
  inspectorUrl: string;
  address: string;
  adminToken: string;
  viewerToken: string;
  agentCredential: string;
  known: string[];
  cleanup: () => Promise<void>;
}

async function startTarget(options: CampaignOptions): Promise<Target> {
  const dataDir = await mkdtemp(join(tmpdir(), 'slipstream-fuzz-'));
  const database = options.database === 'postgres' ? await createTemporaryDatabase() : undefined;
  const adminToken = newTokenSecret();
  const proc = spawnController(
    ['--listen', '127.0.0.1:0', '--data-dir', dataDir, '--insecure', ...(database ? ['--database', database.url] : []), ...(options.controllerArgs ?? [])],
    { SLIPSTREAM_BOOTSTRAP_TOKEN: adminToken, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --inspect=127.0.0.1:0`.trim() },
  );
  let client: SlipstreamClient | undefined;
  const cleanup = async () => {
    client?.close();
    if (proc.child.exitCode === null) {
      proc.child.kill('SIGTERM');
      await proc.exited;
    }
    // A fuzzed LaunchRun or BuildImage may have started local VMs; they outlive their controller by design.
    const controllerId = await controllerIdOf(dataDir, database?.url).catch(() => undefined);
    if (controllerId) await killLocalVms(dataDir, controllerId);
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
    await rm(`${dataDir}-local-vms`, { recursive: true, force: true });
  };
  try {
    const address = `127.0.0.1:${await startedPort(proc)}`;
    const inspectorUrl = /Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/\S+)/.exec(proc.stderr())?.[1];
    if (!inspectorUrl) throw new Error('the controller opened no inspector');
    client = createSlipstreamClient({ address, token: adminToken });
    // A fuzzed launch may succeed: a quota keeps it from starting more than a few local VMs.
    await client.clouds.setQuota(undefined, 'local', 4);
    await client.modules.save({ kind: 'project', path: 'fuzz', description: 'fuzz target' });
    await client.modules.save(
      component('fuzz/box', {
        images: { local: 'local' },
        recipes: { deployment: 'ss-set note ready' },
        parameters: [
          { name: 'note', category: 'output', type: 'string' },
          { name: 'secret', category: 'input', type: 'password', default: 'pw' },
        ],
      }),
    );
    const run = await client.runs.launch({ module: 'fuzz/box', keepRunning: 'always', defaultCloud: 'local' });
    await waitFor('the fuzz run to be Ready', async () => ((await client!.runs.get(run.id)).state === 'Ready' ? true : undefined), 60_000);
    await client.users.create({ name: 'watcher', role: Role.ROLE_VIEWER });
    const viewerToken = (await client.tokens.create({ name: 'fuzz', user: 'watcher', ttlSeconds: 0 })).secret;
    const agentCredential = await waitFor('an agent credential', () => findAgentCredential([dataDir, `${dataDir}-local-vms`]));
    const known = [run.id, 'fuzz', 'fuzz/box', 'fuzz/box@1', 'local', 'watcher', 'default', 'box.1', 'box.1:note', 'box.1:secret', 'ss:state', 'box', 'note', 'report.tgz'];
    return { proc, inspectorUrl, address, adminToken, viewerToken, agentCredential, known, cleanup };
  } catch (err) {
    await cleanup();
    throw new Error(`the fuzz target did not start: ${(err as Error).message}\n${proc.stderr()}`, { cause: err });
  }
}

function checkServing(address: string): Promise<boolean> {
  const health = new HealthClient(address, credentials.createInsecure());
  return new Promise<boolean>((resolve) => {
    health.check({ service: '' }, new Metadata(), { deadline: new Date(Date.now() + 5_000) }, (err, response) => {
      health.close();
      resolve(!err && response?.status === HealthCheckResponse_ServingStatus.SERVING);
    });
  });
}

/** One planned call: the method, who calls, and the request messages. */
interface PlannedCall {
  method: DescMethod;
  caller: Caller;
  messages: Uint8Array[];
}

function planCalls(services: DescService[], known: string[], seed: number, count: number): PlannedCall[] {
  const arbitraries = new MessageArbitraries({ strings: known });
  const methods = services.flatMap((s) => s.methods);
  const plan = fc.constantFrom(...methods).chain((method) => {
    const valid = arbitraries.bytes(method.input);
    const message = fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: mutatedBytes(valid) });
    const streaming = method.methodKind === 'client_streaming' || method.methodKind === 'bidi_streaming';
    const agentMethod = method.parent.typeName === 'slipstream.v1.AgentService';
    const callers: Caller[] = agentMethod ? ['agent', 'agent', 'agent', 'admin', 'anonymous', 'bogus'] : ['admin', 'admin', 'admin', 'admin', 'viewer', 'anonymous', 'bogus', 'agent'];
    const caller = fc.constantFrom(...callers);
    return fc.record({ method: fc.constant(method), caller, messages: fc.array(message, { minLength: 1, maxLength: streaming ? 6 : 1 }) });
  });
  return fc.sample(plan, { seed, numRuns: count });
}

/** Runs the campaign; never throws for what the controller answers (that is in the result). */
export async function runCampaign(options: CampaignOptions): Promise<CampaignResult> {
  const started = Date.now();
  const say = options.report ?? (() => undefined);
  const target = await startTarget(options);
  const pid = target.proc.child.pid!;
  const client = rawClient(target.address);
  const codes: Record<string, number> = {};
  const methods: Record<string, number> = {};
  const failures: CampaignFailure[] = [];
  let peak = 0;
  const secretOf = (caller: Caller): string | undefined =>
    caller === 'admin' ? target.adminToken : caller === 'viewer' ? target.viewerToken : caller === 'agent' ? target.agentCredential : caller === 'bogus' ? newTokenSecret() : undefined;
  const play = async (calls: PlannedCall[]) => {
    let next = 0;
    const worker = async () => {
      while (next < calls.length) {
        const call = calls[next++]!;
        const name = `${call.method.parent.name}/${call.method.name}`;
        const outcome = await callRaw(client, call.method, call.messages, authMetadata(secretOf(call.caller)), { deadlineMs: 20_000, streamMs: 150 });
        const code = status[outcome.code] ?? String(outcome.code);
        codes[code] = (codes[code] ?? 0) + 1;
        methods[name] = (methods[name] ?? 0) + 1;
        if (FAILURE_CODES.has(outcome.code)) {
          failures.push({ method: name, caller: call.caller, code, details: outcome.details, request: call.messages.map((m) => Buffer.from(m).toString('base64')) });
        }
      }
    };
    const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(pid))), 250);
    try {
      await Promise.all(Array.from({ length: options.concurrency ?? 8 }, worker));
    } finally {
      clearInterval(sampler);
    }
  };
  try {
    const services = servedServices();
    const warmUp = planCalls(services, target.known, options.seed + 1, Math.max(50, Math.ceil(options.calls / 4)));
    await play(warmUp);
    const warm = { heap: await heapUsedMiB(target.inspectorUrl), rss: rssMiB(pid) };
    say(`warm-up: ${warmUp.length} calls, controller heap ${warm.heap.toFixed(1)} MiB, RSS ${warm.rss.toFixed(0)} MiB`);
    const calls = planCalls(services, target.known, options.seed, options.calls);
    await play(calls);
    const after = { heap: await heapUsedMiB(target.inspectorUrl), rss: rssMiB(pid) };
    const alive = target.proc.child.exitCode === null;
    const serving = alive && (await checkServing(target.address));
    const errorLogs = target.proc
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('{') && (JSON.parse(line) as { level: number }).level >= 50);
    say(
      `sent ${calls.length} calls: ${JSON.stringify(codes)}; heap ${warm.heap.toFixed(1)} -> ${after.heap.toFixed(1)} MiB; ` +
        `RSS ${warm.rss.toFixed(0)} -> ${after.rss.toFixed(0)} MiB (peak ${peak.toFixed(0)})`,
    );
    const uncalled = services.flatMap((s) => s.methods.map((m) => `${s.name}/${m.name}`)).filter((name) => !methods[name]);
    return {
      seed: options.seed,
      sent: warmUp.length + calls.length,
      codes,
      methods,
      uncalled,
      failures,
      errorLogs,
      serving,
      alive,
      heapMiB: { warm: Math.round(warm.heap * 10) / 10, after: Math.round(after.heap * 10) / 10 },
      rssMiB: { warm: Math.round(warm.rss), peak: Math.round(peak), after: Math.round(after.rss) },
      durationMs: Date.now() - started,
    };
  } finally {
    client.close();
    await target.cleanup();
  }
}
