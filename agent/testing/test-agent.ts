/**
 * Test helpers for agent tests: short temp work dirs (a Unix socket path is
 * limited to 107 bytes), an in-process agent wired to a FakeController,
 * recipe commands and agent processes run as real child processes, and
 * process facts read from /proc.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAgent, type RunningAgent } from '../agent.js';
import type { AgentConfig } from '../config.js';
import type { AgentOptions } from '../options.js';
import { FakeController } from './test-controller.js';

/** The repository root. */
export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** Backoff for tests: reconnects within half a second. */
export const FAST_BACKOFF = { baseMs: 50, capMs: 500 };

const cleanups: (() => Promise<void>)[] = [];

/** Runs (in reverse order) everything registered by the helpers; call from afterEach. */
export async function cleanupAll(): Promise<void> {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
}

/** Starts a fake controller, stopped by cleanupAll (after the agents started since). */
export async function startFakeController(options: Parameters<typeof FakeController.start>[0] = {}): Promise<FakeController> {
  const fake = await FakeController.start(options);
  cleanups.push(() => fake.stop());
  return fake;
}

/** A fresh temp dir under /tmp, removed by cleanupAll. */
export async function tempDir(prefix = 'ssa-'): Promise<string> {
  const dir = await mkdtemp(join('/tmp', prefix));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** An in-process agent with captured JSON log lines. */
export interface TestAgent {
  agent: RunningAgent;
  workDir: string;
  logs: Record<string, unknown>[];
}

/** Starts an agent against `fake` in a temp work dir (stopped by cleanupAll). */
export async function startTestAgent(fake: FakeController, options: Partial<AgentOptions> = {}, config: Partial<AgentConfig> = {}): Promise<TestAgent> {
  const workDir = await tempDir();
  const logs: Record<string, unknown>[] = [];
  const agent = await startAgent({
    config: fake.agentConfig(workDir, config),
    backoff: FAST_BACKOFF,
    logSink: (line) => logs.push(JSON.parse(line) as Record<string, unknown>),
    logLevel: 'debug',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8' },
    ...options,
  });
  cleanups.push(() => agent.stop());
  return { agent, workDir, logs };
}

/** What a finished child process said. */
export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time from `start` to exit, ms. */
  elapsedMs: number;
}

/** A started child process and its eventual result. */
export interface Started {
  child: ChildProcess;
  finished: Promise<Finished>;
  /** Output so far. */
  stdout(): string;
  stderr(): string;
}

/** Spawns `command` with captured output; killed by cleanupAll if still running. */
export function start(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Started {
  const begun = Date.now();
  const child = spawn(command, args, { cwd: options.cwd ?? REPO_ROOT, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const finished = new Promise<Finished>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal, stdout: out, stderr: err, elapsedMs: Date.now() - begun }));
    child.once('error', (e) => resolve({ code: null, signal: null, stdout: out, stderr: err + e.message, elapsedMs: Date.now() - begun }));
  });
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await finished;
  });
  return { child, finished, stdout: () => out, stderr: () => err };
}

/** Runs a recipe command wrapper from `<workDir>/bin` with a minimal environment. */
export function recipeCommand(workDir: string, name: string, args: readonly string[]): Started {
  return start(join(workDir, 'bin', name), args, { env: { PATH: process.env.PATH, LANG: 'C.UTF-8' }, cwd: workDir });
}

/** `node --import tsx agent/main.ts ARGS` as a child process (the agent from source). */
export function startAgentProcess(args: readonly string[]): Started {
  return start(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'agent', 'main.ts'), ...args]);
}

/** True while `pid` exists and is not a zombie. */
export async function isRunning(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Resident memory of `pid` in KiB (`VmRSS`, or `VmHWM` for the peak). */
export async function memoryKb(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!match) throw new Error(`no ${field} for ${pid}`);
  return Number(match[1]);
}
