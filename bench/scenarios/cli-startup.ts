/**
 * CLI start-up (issue 20): wall time and CPU of `slipstream --version` and
 * `slipstream run list` (against the bench controller, a few runs in it, over
 * a saved context) run as the built CLI (dist/, plain JavaScript) and through
 * tsx (`npm run slipstream`: the TypeScript sources compiled at start),
 * alternated. tsx keeps compiled files in a cache under the temp dir, so it
 * is measured as it runs from the second start on (the target's baseline)
 * and, in the full run, with TSX_DISABLE_CACHE=1: every file compiled at
 * every start.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { percentile, type BenchContext } from '../lib/context.js';
import { atLeastTimes, info } from '../lib/figures.js';
import { launch, terminateAndDrain, waitForState } from '../lib/runs.js';
import { timeCommand, type TimedExit } from '../lib/timed-command.js';

const SCENARIO = 'cli start-up';
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The target: the built CLI at least this many times faster (wall, p50) than tsx. */
const TARGET_FACTOR = 2;

export interface CliStartupOptions {
  /** Measured starts of each command in each way. */
  samples: number;
  /** Runs the controller holds while `run list` lists them. */
  runs: number;
  /** Also tsx with TSX_DISABLE_CACHE=1 (about 1.5 s a start: the quick run leaves it out). */
  cacheless: boolean;
  /** A built dist/ to measure; by default one is built into a temporary stage. */
  dist?: string;
}

interface Way {
  name: string;
  argv: string[];
  env: NodeJS.ProcessEnv;
}

interface Samples {
  wallMs: number[];
  cpuMs: number[];
}

/** `npm run build` into `stage/dist`: beside a copy of package.json (ESM, the version) and the repo's node_modules. */
async function buildStage(stage: string): Promise<void> {
  copyFileSync(join(REPO_ROOT, 'package.json'), join(stage, 'package.json'));
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(stage, 'node_modules'), 'dir');
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/build.ts', '--out', join(stage, 'dist'), '--no-types'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
  const code = await new Promise<number | null>((done, fail) => {
    child.on('error', fail);
    child.on('close', done);
  });
  if (code !== 0) throw new Error(`${SCENARIO}: the build ended ${code}: ${err.slice(0, 2_000)}`);
}

/** The CLI's environment: the saved context only (no SLIPSTREAM_* overrides, no NODE_OPTIONS preloading tsx into the built CLI). */
function cliEnv(configPath: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, SLIPSTREAM_CONFIG: configPath, ...extra };
  for (const name of ['SLIPSTREAM_ADDR', 'SLIPSTREAM_TOKEN', 'SLIPSTREAM_CA', 'NODE_OPTIONS', 'TSX_DISABLE_CACHE']) {
    if (!(name in extra)) delete env[name];
  }
  return env;
}

async function runCli(way: Way, args: readonly string[]): Promise<TimedExit> {
  const exit = await timeCommand([...way.argv, ...args], { cwd: REPO_ROOT, env: way.env, timeoutMs: 120_000 });
  if (exit.code !== 0) throw new Error(`${SCENARIO}: ${way.name} ${args.join(' ')} exited ${exit.code}: ${exit.stderr.slice(0, 1_000)}`);
  return exit;
}

export async function cliStartup(ctx: BenchContext, options: CliStartupOptions): Promise<void> {
  const { ctl } = ctx;
  const work = mkdtempSync(join(tmpdir(), 'slipstream-bench-cli-'));
  const runIds: string[] = [];
  try {
    const dist = options.dist ? resolve(options.dist) : join(work, 'dist');
    if (!options.dist) {
      ctx.log(`${SCENARIO}: building dist/ into ${work}`);
      const began = performance.now();
      await buildStage(work);
      ctx.figures.push(info(SCENARIO, 'npm run build (no type declarations), into a temporary stage', performance.now() - began, 'ms'));
    }
    const bin = join(dist, 'slipstream.mjs');
    if (!existsSync(bin)) throw new Error(`${SCENARIO}: no built CLI at ${bin}`);

    const configPath = join(work, 'config.yaml');
    const ways: Way[] = [
      { name: 'built', argv: [process.execPath, bin], env: cliEnv(configPath) },
      { name: 'tsx', argv: [process.execPath, '--import', 'tsx', 'client/cli/bin.ts'], env: cliEnv(configPath) },
    ];
    if (options.cacheless) ways.push({ name: 'tsx, no cache', argv: ways[1]!.argv, env: cliEnv(configPath, { TSX_DISABLE_CACHE: '1' }) });
    const { address, token } = ctl.client.options;
    await runCli(ways[0]!, ['context', 'set', 'bench', '--addr', address, ...(token ? ['--token', token] : [])]);

    ctx.log(`${SCENARIO}: launching ${options.runs} runs to list`);
    for (let i = 0; i < options.runs; i++) runIds.push(await launch(ctl.client, 'bench/deploy', { w: 1 }));
    for (const id of runIds) await waitForState(ctl.db, id, 'Ready', 60_000);

    const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    const commands = [
      { label: 'slipstream --version', args: ['--version'], check: (out: string) => out.trim() === version },
      { label: 'slipstream run list', args: ['run', 'list'], check: (out: string) => runIds.every((id) => out.includes(id)) },
    ];
    const samples = new Map(commands.map((c) => [c.label, new Map(ways.map((w) => [w.name, { wallMs: [], cpuMs: [] } as Samples]))]));
    // One unmeasured start of each first: the page cache and tsx's cache hold what the measured starts read (the
    // cacheless way reads the same files as tsx).
    for (const command of commands) for (const way of ways.slice(0, 2)) await runCli(way, command.args);
    ctx.log(`${SCENARIO}: ${options.samples} starts of each command in each way (${ways.map((w) => w.name).join(', ')}), alternated`);
    for (let i = 0; i < options.samples; i++) {
      for (const command of commands) {
        // Rotated so that no way always runs first, right after the other command.
        for (let k = 0; k < ways.length; k++) {
          const way = ways[(i + k) % ways.length]!;
          const exit = await runCli(way, command.args);
          if (!command.check(exit.stdout)) throw new Error(`${SCENARIO}: ${way.name} ${command.label} printed something else: ${exit.stdout.slice(0, 1_000)}`);
          const s = samples.get(command.label)!.get(way.name)!;
          s.wallMs.push(exit.wallMs);
          s.cpuMs.push(exit.cpuMs);
        }
      }
    }

    for (const command of commands) {
      const byWay = samples.get(command.label)!;
      const sorted = (name: string, key: keyof Samples) => [...byWay.get(name)![key]].sort((a, b) => a - b);
      const stat = (name: string, key: keyof Samples, p: number) => percentile(sorted(name, key), p);
      const built = (key: keyof Samples, p: number) => ({ name: `built, p${p}`, value: stat('built', key, p), unit: 'ms' });
      const label = command.label;
      ctx.figures.push(info(SCENARIO, `${label}: built (node dist/slipstream.mjs, the package's bin), wall p50`, stat('built', 'wallMs', 50), 'ms'));
      ctx.figures.push(info(SCENARIO, `  built, wall p90`, stat('built', 'wallMs', 90), 'ms'));
      ctx.figures.push(info(SCENARIO, `  built, CPU (user + sys) p50`, stat('built', 'cpuMs', 50), 'ms'));
      ctx.figures.push(atLeastTimes(SCENARIO, `  tsx (node --import tsx client/cli/bin.ts), wall p50`, stat('tsx', 'wallMs', 50), 'ms', TARGET_FACTOR, built('wallMs', 50)));
      ctx.figures.push(info(SCENARIO, `  tsx, wall p90`, stat('tsx', 'wallMs', 90), 'ms', built('wallMs', 90)));
      ctx.figures.push(info(SCENARIO, `  tsx, CPU (user + sys) p50`, stat('tsx', 'cpuMs', 50), 'ms', built('cpuMs', 50)));
      if (options.cacheless) {
        ctx.figures.push(info(SCENARIO, `  tsx without its cache (TSX_DISABLE_CACHE=1), wall p50`, stat('tsx, no cache', 'wallMs', 50), 'ms', built('wallMs', 50)));
        ctx.figures.push(info(SCENARIO, `  tsx without its cache, CPU (user + sys) p50`, stat('tsx, no cache', 'cpuMs', 50), 'ms', built('cpuMs', 50)));
      }
    }
    // The floor: what any Node program costs before it loads a module.
    const bare: Way = { name: 'node alone', argv: [process.execPath, '-e', ''], env: cliEnv(configPath) };
    const bareMs: number[] = [];
    for (let i = 0; i < options.samples; i++) bareMs.push((await runCli(bare, [])).wallMs);
    ctx.figures.push(info(SCENARIO, `node alone (node -e ''), wall p50`, percentile(bareMs.sort((a, b) => a - b), 50), 'ms'));
    ctx.figures.push(info(SCENARIO, `  starts measured per command and way (after one unmeasured, built and tsx)`, options.samples, ''));
    const { rows } = await ctl.db.query<{ n: string }>('select count(*) as n from runs');
    ctx.figures.push(info(SCENARIO, `  runs in the controller (run list lists them all)`, Number(rows[0]?.n), 'runs'));
  } finally {
    for (const id of runIds) await terminateAndDrain(ctl.client, ctl.db, ctl.pool, id, 60_000).catch((err: unknown) => ctx.log(`${SCENARIO}: terminating ${id}: ${(err as Error).message}`));
    rmSync(work, { recursive: true, force: true });
  }
}
