/**
 * `npm run demo`: Slipstream end to end in about a minute, from a fresh clone
 * after `npm ci`, with nothing but Node and bash. Starts a throwaway controller
 * (SQLite + the `local` driver, in a temp dir), pushes examples/shop with the
 * CLI, launches shop/shop and waits for Ready, checks that the load balancer
 * answers through both app servers, terminates the run and cleans up.
 *
 * It prints the dashboard's address for the run once it is Ready; with
 * `--keep` it waits there for Enter, so that a person can look at the run in a
 * browser before it is terminated.
 *
 * Exit code 0 only if every check held. On failure it says what failed,
 * terminates the run, stops the controller, kills any VM process left and
 * exits 1. Bounded in time (the wait of --keep excepted); needs no TTY.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PKI_FILES, publicKeyPin } from '../controller/auth/pki.js';
import { defaultLocalVmDir } from '../controller/connectors/local/placement.js';
import { ensureDashboardBuilt } from '../web/build.js';

const REPO = fileURLToPath(new URL('../', import.meta.url));
/** The whole demo, cleanup excepted. */
const DEADLINE_MS = 180_000;
/** Requests sent to the load balancer. */
const REQUESTS = 6;
const APPS = ['app.1', 'app.2'];

/** A check that did not hold; its message is the whole story. */
class DemoFailure extends Error {}

const say = (text: string): void => void process.stdout.write(`${text}\n`);

/** Without the caller's SLIPSTREAM_* settings, so that the demo always uses its own controller. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SLIPSTREAM_')));
  return { ...env, ...extra };
}

/** Kills `child` when `signal` aborts: SIGTERM, then SIGKILL if it is still there after `graceMs`. */
function killOnAbort(child: ChildProcess, signal: AbortSignal, graceMs = 5_000): void {
  const kill = (): void => {
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), graceMs).unref();
  };
  if (signal.aborted) kill();
  else signal.addEventListener('abort', kill, { once: true });
  child.once('exit', () => signal.removeEventListener('abort', kill));
}

const exited = (child: ChildProcess): Promise<number> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode ?? 1);
    else child.once('exit', (code) => resolve(code ?? 1));
  });

/** The controller child process and what it printed (kept for failure reports). */
interface Controller {
  child: ChildProcess;
  /** `127.0.0.1:PORT`, once it listens. */
  address: string;
  /** The dashboard's address, from its 'started' log line. */
  dashboard: Promise<string>;
  output: string[];
}

/** Spawns the controller; `listening` resolves with its gRPC port (from its JSON 'listening' log line). */
function spawnController(dataDir: string, token: string, signal: AbortSignal): { controller: Controller; listening: Promise<number> } {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'controller/main.ts', '--listen', '127.0.0.1:0', '--data-dir', dataDir],
    { cwd: REPO, env: cleanEnv({ SLIPSTREAM_BOOTSTRAP_TOKEN: token }), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output: string[] = [];
  let startedAt: (url: string) => void = () => undefined;
  const dashboard = new Promise<string>((resolve) => (startedAt = resolve));
  const listening = new Promise<number>((resolve, reject) => {
    let partial = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        output.push(line);
        if (!line.startsWith('{')) continue;
        const entry = JSON.parse(line) as { msg?: string; port?: number; dashboard?: string };
        if (entry.msg === 'listening' && entry.port) resolve(entry.port);
        if (entry.msg === 'started' && entry.dashboard) startedAt(entry.dashboard);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => output.push(...chunk.toString('utf8').trimEnd().split('\n')));
    child.once('exit', (code) => reject(new DemoFailure(`the controller exited with code ${code} before listening`)));
    signal.addEventListener('abort', () => reject(new DemoFailure('the controller did not start in time')), { once: true });
  });
  return { controller: { child, address: '', dashboard, output }, listening };
}

/** SIGTERM (a graceful shutdown), SIGKILL if it takes more than 15 s. */
async function stopController(controller: Controller): Promise<void> {
  const stop = new AbortController();
  killOnAbort(controller.child, stop.signal, 15_000);
  stop.abort();
  await exited(controller.child);
}

/**
 * Runs the CLI against the demo controller. Output goes to the terminal (the
 * live view too); with `capture`, stdout is returned instead (for `--output json`).
 */
async function cli(controller: Controller, token: string, dataDir: string, args: string[], signal: AbortSignal, capture = false): Promise<{ code: number; stdout: string }> {
  say(`$ slipstream ${args.map((a) => (/[\s'"]/.test(a) ? `'${a}'` : a)).join(' ')}`);
  const child = spawn(process.execPath, ['--import', 'tsx', 'client/cli/bin.ts', '--addr', controller.address, ...args], {
    cwd: REPO,
    // The token goes in the environment, not on a command line that `ps` shows.
    // TLS is the default: the CLI pins the CA the controller made in its data dir.
    env: cleanEnv({ SLIPSTREAM_TOKEN: token, SLIPSTREAM_CA: join(dataDir, 'tls', 'ca.pem'), SLIPSTREAM_CONFIG: join(dataDir, 'cli-config.yaml') }),
    stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'],
  });
  killOnAbort(child, signal);
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  return { code: await exited(child), stdout };
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new DemoFailure(`${what} did not print JSON: ${text.slice(0, 300)}`);
  }
}

/** `ss:url.service` from `run params RUN_ID ss: --output json` (a list of {key, value}, or {parameters: [...]}). */
function serviceUrl(json: unknown): string | undefined {
  const list = (Array.isArray(json) ? json : (json as { parameters?: unknown[] }).parameters ?? []) as { key?: string; value?: string }[];
  return list.find((p) => p.key === 'ss:url.service')?.value || undefined;
}

/** GETs the load balancer REQUESTS times; the answers. */
async function askShop(url: string, signal: AbortSignal): Promise<string[]> {
  const answers: string[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const response = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(5_000)]) });
    const body = (await response.text()).trim();
    say(`  GET ${url} -> ${response.status} ${body}`);
    if (response.status !== 200) throw new DemoFailure(`the load balancer answered ${response.status}: ${body}`);
    answers.push(body);
  }
  return answers;
}

/** SIGKILLs every process of a local VM under `dataDir` (they carry SLIPSTREAM_LOCAL_VM_DIR). */
async function killLeftoverVms(dataDir: string): Promise<number> {
  const marker = `SLIPSTREAM_LOCAL_VM_DIR=${join(dataDir, 'local-vms')}/`;
  let killed = 0;
  for (const pid of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    const environ = await readFile(`/proc/${pid}/environ`).catch(() => undefined);
    if (!environ?.toString('utf8').split('\0').some((e) => e.startsWith(marker))) continue;
    try {
      process.kill(Number(pid), 'SIGKILL');
      killed += 1;
    } catch {
      // already gone
    }
  }
  return killed;
}

/** Says where the run is in the dashboard and how a browser trusts this throwaway controller's certificate. */
async function showDashboard(controller: Controller, dataDir: string, token: string, runId: string): Promise<void> {
  const base = await controller.dashboard;
  const url = `${base}#/runs/${runId}`;
  say(`\n==> The run in the dashboard: ${url}`);
  say(`    sign in with the token ${token}`);
  say(`    this demo's controller made its own CA (${join(dataDir, 'tls', 'ca.pem')}); to trust only its key in Chromium:`);
  say(`    chromium --user-data-dir=$(mktemp -d) --ignore-certificate-errors-spki-list=${publicKeyPin(await readFile(join(dataDir, 'tls', PKI_FILES.serverCert), 'utf8'))} '${url}'`);
}

/** Waits for Enter (or the end of stdin, or the abort of `signal`). */
function enterPressed(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const lines = createInterface({ input: process.stdin });
    const done = (): void => {
      lines.close();
      resolve();
    };
    lines.once('line', done);
    lines.once('close', resolve);
    signal.addEventListener('abort', done, { once: true });
  });
}

async function main(): Promise<number> {
  const { values: flags } = parseArgs({ options: { keep: { type: 'boolean', default: false } } });
  const started = Date.now();
  const seconds = (since: number): string => `${((Date.now() - since) / 1000).toFixed(1)} s`;
  const abort = new AbortController();
  const deadline = setTimeout(() => abort.abort(), DEADLINE_MS);
  const interrupt = (): void => abort.abort();
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  const { signal } = abort;

  const dataDir = await mkdtemp(join(tmpdir(), 'slipstream-demo-'));
  const token = `sst_${randomBytes(32).toString('base64url')}`;
  const summary: string[] = [];
  let controller: Controller | undefined;
  let runId: string | undefined;
  let runEnded = false;
  let failure: string | undefined;
  let step = 'starting';
  const run = (args: string[], capture = false) => cli(controller!, token, dataDir, args, signal, capture);
  const expectOk = (result: { code: number }, what: string): void => {
    if (signal.aborted) throw new DemoFailure(`${what}: stopped after ${DEADLINE_MS / 1000} s (deadline) or by a signal`);
    if (result.code === 2) throw new DemoFailure(`${what} exited with code 2: the CLI does not know this command or flag (see above)`);
    if (result.code !== 0) throw new DemoFailure(`${what} exited with code ${result.code}`);
  };

  try {
    step = 'build the dashboard';
    if (await ensureDashboardBuilt()) say('==> Built the dashboard (dist/web)');

    step = 'start the controller';
    say(`==> Starting a controller (SQLite + local driver) in ${dataDir}`);
    const spawned = spawnController(dataDir, token, signal);
    controller = spawned.controller;
    controller.address = `127.0.0.1:${await spawned.listening}`;
    summary.push(`controller  ${controller.address}, data in a temp dir`);

    step = 'push examples/shop';
    say('\n==> Pushing the example catalog');
    expectOk(await run(['module', 'push', 'examples/shop', '-m', 'npm run demo']), 'module push');

    step = 'launch shop/shop';
    say('\n==> Launching shop/shop: a database, two app servers, a load balancer');
    const launchedAt = Date.now();
    const launch = await run(['--output', 'json', 'run', 'launch', 'shop/shop', '--wait', '--timeout', '10'], true);
    const launched = launch.stdout.trim() ? (parseJson(launch.stdout, 'run launch') as { id?: string; run?: { id?: string } }) : {};
    runId = launched.id ?? launched.run?.id;
    if (launch.code === 3) throw new DemoFailure(`run ${runId ?? ''} was aborted or cancelled (see the live view above)`);
    expectOk(launch, 'run launch --wait');
    if (!runId) throw new DemoFailure(`run launch printed no run id: ${launch.stdout.slice(0, 300)}`);
    summary.push(`run         ${runId}: Ready ${seconds(launchedAt)} after launch`);

    step = 'read ss:url.service';
    const params = await run(['--output', 'json', 'run', 'params', runId, 'ss:'], true);
    expectOk(params, 'run params');
    const url = serviceUrl(parseJson(params.stdout, 'run params'));
    if (!url) throw new DemoFailure('the run has no ss:url.service');
    say(`\n==> The shop is at ${url} (ss:url.service); asking it ${REQUESTS} times`);

    step = 'ask the load balancer';
    const answers = await askShop(url, signal);
    const missing = APPS.filter((app) => !answers.includes(`${app} (db ok)`));
    if (missing.length > 0) throw new DemoFailure(`no answer came from ${missing.join(' and ')}: ${answers.join(', ')}`);
    const counts = APPS.map((app) => `${app} x${answers.filter((a) => a.startsWith(`${app} `)).length}`);
    summary.push(`shop        ${url} balanced ${REQUESTS} requests: ${counts.join(', ')}, each with the db ok`);

    step = 'show the dashboard';
    await showDashboard(controller, dataDir, token, runId);
    if (flags.keep) {
      clearTimeout(deadline);
      say('\n==> Kept running for you to look: press Enter to terminate the run and clean up');
      await enterPressed(signal);
    }

    step = 'terminate the run';
    say('\n==> Terminating the run');
    expectOk(await run(['run', 'terminate', runId, '--wait']), 'run terminate --wait');
    runEnded = true;
    summary.push('teardown    run terminated (Done), VMs destroyed');
  } catch (err) {
    failure = err instanceof Error ? err.message : String(err);
  } finally {
    clearTimeout(deadline);
  }

  // Cleanup runs even after the deadline, with its own bounds.
  if (failure && runId && controller && !runEnded && controller.child.exitCode === null && controller.address) {
    say(`\n==> Terminating run ${runId} after the failure`);
    const bounded = AbortSignal.timeout(30_000);
    await cli(controller, token, dataDir, ['run', 'terminate', runId, '--wait'], bounded).catch(() => undefined);
  }
  if (controller) await stopController(controller);
  const leftovers = await killLeftoverVms(dataDir);
  if (leftovers > 0 && !failure) failure = `${leftovers} VM process(es) were still running after the run ended`;
  await rm(dataDir, { recursive: true, force: true });
  await rm(defaultLocalVmDir(dataDir), { recursive: true, force: true }); // the VMs' work dirs when run as root
  process.removeListener('SIGINT', interrupt);
  process.removeListener('SIGTERM', interrupt);

  if (failure) {
    say(`\nDEMO FAILED at step "${step}": ${failure}`);
    if (controller) say(`Last controller output:\n${controller.output.slice(-15).join('\n')}`);
    say(`Cleaned up: controller stopped${leftovers ? `, ${leftovers} leftover VM process(es) killed` : ''}, temp dir removed.`);
    return 1;
  }
  say(`\nDemo OK in ${seconds(started)}`);
  for (const line of summary) say(`  ${line}`);
  say('  cleanup     controller stopped, temp dir removed');
  say('\nTo look at a run in the dashboard before it ends: npm run demo -- --keep');
  say('Next: install it (README, "Installing it") or run `npm start` here, then push and launch your own modules (see README, "Using it").');
  return 0;
}

process.exit(await main());
