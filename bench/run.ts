/**
 * `npm run bench [-- --quick]`: every scenario against a controller on
 * PostgreSQL with the `sim` driver, each beside its raw baseline measured in
 * the same run; prints the table and writes bench/results/latest.json.
 * Exits 1 when the bench crashes or loses data (an acknowledged set or
 * completion missing, a duplicate phase, an agent that gave up); timing
 * alone never fails it.
 */
import { availableParallelism, cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { measureRawPg } from './baselines/raw-pg.js';
import { measureRawUnary } from './baselines/raw-unary.js';
import { measureEtcdPeer } from './peers/etcd.js';
import { somaxconn } from '../controller/api/listener.js';
import type { SimLogKind } from '../controller/connectors/sim/sim-protocol.js';
import { startBenchController } from './lib/bench-controller.js';
import type { BenchContext } from './lib/context.js';
import { positiveWhole } from './lib/options.js';
import { info, renderTable, targetVerdict, writeReport, type Figure } from './lib/figures.js';
import { saveBenchModules } from './lib/sim-modules.js';
import { benchSource } from './lib/source.js';
import { cliStartup } from './scenarios/cli-startup.js';
import { fleet } from './scenarios/fleet.js';
import { footprint } from './scenarios/footprint.js';
import { propagation, rawRelayBaseline } from './scenarios/propagation.js';
import { replicas } from './scenarios/replicas.js';
import { throughput } from './scenarios/throughput.js';

/**
 * What --only selects: `small` is the small fleet and propagation, `large` the large fleet with memory and the storm,
 * `cli` the CLI's start-up built and through tsx.
 */
const SCENARIOS = ['footprint', 'cli', 'small', 'throughput', 'large', 'replicas'] as const;

const program = new Command()
  .name('bench')
  .option('--quick', 'reduced sizes (CI): fails only on a crash or lost data')
  .option('--out <file>', 'where the JSON results go (default results/latest.json, results/quick.json with --quick)')
  // One per core: with 4 on this 2-core machine, a 1,000-instance deploy took 6.1 s and 6.1 s of the agents' CPU, with 2,
  // 4.8-5.0 s and 4.6-4.8 s (alternating runs): the harness's own processes competed with the controller.
  .option('--workers <n>', 'sim worker processes (default: one per core)', positiveWhole('--workers'), availableParallelism())
  .option('--large <n>', "size of the large fleet (deploy, barrier, memory, reconnect storm, replica scale-out); default 10,000, the targets' size", positiveWhole('--large'))
  .option('--cli-dist <dir>', 'the cli scenario measures this built dist/ (default: builds one into a temporary stage)')
  .option('--only <scenarios>', `run the baselines and only these scenarios (comma separated: ${SCENARIOS.join(', ')}); results go to results/tmp/ unless --out`)
  .parse();
const opts = program.opts<{ quick?: boolean; out?: string; workers: number; large?: number; cliDist?: string; only?: string }>();
const quick = !!opts.quick;
const only = opts.only?.split(',').map((name) => name.trim()).filter(Boolean);
const unknown = only?.filter((name) => !(SCENARIOS as readonly string[]).includes(name)) ?? [];
if (only?.length === 0 || unknown.length > 0) {
  process.stderr.write(`bench: --only: ${unknown.length > 0 ? `unknown scenario '${unknown[0]}'` : 'name at least one scenario'}; choose from ${SCENARIOS.join(', ')}\n`);
  process.exit(2);
}
const selected = (name: (typeof SCENARIOS)[number]) => !only || only.includes(name);
// A partial run must not replace the full run's record.
const defaultOut = only ? `./results/tmp/${quick ? 'quick-' : ''}only-${only.join('-')}.json` : quick ? './results/quick.json' : './results/latest.json';
const out = opts.out ?? fileURLToPath(new URL(defaultOut, import.meta.url));

const sizes = quick
  ? { small: 100, large: 200, throughputAgents: 100, throughputRounds: 3, samples: 30, unaryMs: 2_000, pgMs: 1_000 }
  : { small: 1_000, large: 10_000, throughputAgents: 1_000, throughputRounds: 6, samples: 150, unaryMs: 5_000, pgMs: 3_000 };
if (opts.large !== undefined) sizes.large = opts.large;

const started = Date.now();
// Read before the run: what a results file says it measured is the code that ran.
const source = benchSource(fileURLToPath(new URL('..', import.meta.url)));
const log = (message: string) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(1)}s] ${message}\n`);
const figures: Figure[] = [];
const dataLoss: string[] = [];
let crashed: Error | undefined;
let agentLogs: SimLogKind[] = [];

log(`${quick ? 'quick' : 'full'} run: fleets of ${sizes.small} and ${sizes.large}, ${opts.workers} sim workers`);
const ctl = await startBenchController({ workers: opts.workers });
try {
  const ctx: BenchContext = { ctl, quick, figures, dataLoss, baselines: new Map(), peers: new Map(), log };
  log('raw-unary baseline');
  const unary = await measureRawUnary({ messageBytes: 64, inFlight: 16, durationMs: sizes.unaryMs });
  ctx.baselines.set('raw-unary', { name: 'raw-unary', value: unary.callsPerSecond, unit: 'calls/s' });
  figures.push(info('baseline', 'raw-unary, 64 B, 16 in flight', unary.callsPerSecond, 'calls/s'));
  log('raw-pg baseline');
  const rawPg = await measureRawPg({ databaseUrl: ctl.databaseUrl, durationMs: sizes.pgMs });
  figures.push(info('baseline', 'raw-pg single-row upserts', rawPg.singleUpsertsPerSecond, 'rows/s'));
  figures.push(info('baseline', 'raw-pg 100-row batched upserts', rawPg.batchedRowsPerSecond, 'rows/s'));
  // etcd beside the small fleet's scenarios when they run. Not beside the large fleet: its barrier's parties enter 5 ms
  // apart (bench/peers/etcd-barrier.ts), so 10,000 would take 50 s of entering after setting up 10,000 clients.
  if (selected('small')) await measureEtcdPeer(ctx, { samples: sizes.samples, barriers: [sizes.small], processes: opts.workers });

  const modules = { samples: sizes.samples, throughputRounds: sizes.throughputRounds };
  await saveBenchModules(ctl.client, modules);
  if (selected('footprint')) {
    log('agent footprint');
    await footprint(ctx);
  }

  if (selected('cli')) await cliStartup(ctx, { samples: quick ? 3 : 10, runs: 5, cacheless: !quick, ...(opts.cliDist ? { dist: opts.cliDist } : {}) });

  if (selected('small')) {
    const small = await fleet(ctx, { size: sizes.small });
    // Measured here, with the fleet connected, so that the relay and propagation share the machine's state.
    await rawRelayBaseline(ctx, sizes.samples);
    await propagation(ctx, sizes.small);
    await small.terminate();
  }

  if (selected('throughput')) await throughput(ctx, sizes.throughputAgents);

  if (selected('large')) {
    const large = await fleet(ctx, { size: sizes.large, memory: { targetBytesPerAgent: 64 * 1024 }, storm: true });
    await large.terminate();
  }

  // Replica processes beside this idle in-process controller; the quick run takes over a small fleet and skips the scale-out.
  if (selected('replicas')) {
    await replicas(ctx, {
      takeover: quick ? { runs: 3, agentsPerRun: 20 } : { runs: 10, agentsPerRun: 100 },
      samples: quick ? 30 : 100,
      ...(quick ? {} : { scaleOut: { runs: 10, perRun: Math.ceil(sizes.large / 10) } }),
      workers: opts.workers,
      modules,
    });
  }
} catch (err) {
  crashed = err as Error;
  log(`crashed: ${crashed.stack ?? crashed.message}`);
} finally {
  agentLogs = await ctl.pool.agentLogs().catch((err: unknown) => {
    log(`reading the agents' log counts failed: ${(err as Error).message}`);
    return [];
  });
  await ctl.close().catch((err: unknown) => log(`cleanup failed: ${(err as Error).message}`));
}

const durationSeconds = (Date.now() - started) / 1000;
// The kernel's cap on the controller's accept queue decides how bursts of thousands of connections fare: the results record it.
const acceptQueueCap = somaxconn() ?? null;
process.stdout.write(`${renderTable(figures)}\n`);
const targets = targetVerdict(figures);
writeReport(out, {
  startedAt: new Date(started).toISOString(),
  mode: quick ? 'quick' : 'full',
  ...(only ? { scenarios: only } : {}),
  durationSeconds,
  source,
  simWorkers: opts.workers,
  machine: { cpus: cpus().length, node: process.version, totalMemoryBytes: totalmem(), somaxconn: acceptQueueCap },
  figures,
  targets,
  dataLoss,
  agentLogs,
});
process.stdout.write(`bench: ${figures.length} figures, ${targets.met} targets met, ${targets.missed.length} missed, ${dataLoss.length} data problems, ${durationSeconds.toFixed(0)} s; results in ${out}\n`);
process.stdout.write(
  `bench: measured ${source.commit ?? 'code outside a git checkout'}${source.changedFiles.length > 0 ? ` with changes to ${source.changedFiles.join(', ')}` : ''}\n`,
);
process.stdout.write(`bench: net.core.somaxconn = ${acceptQueueCap ?? 'unknown'} (caps the controller's accept queue; see the README's scale limits)\n`);
for (const target of targets.missed) process.stdout.write(`missed: ${target}\n`);
for (const problem of dataLoss) process.stdout.write(`data: ${problem}\n`);
if (ctl.errors.length > 0) process.stdout.write(`controller warnings/errors (first ${ctl.errors.length}):\n${ctl.errors.slice(0, 10).join('\n')}\n`);
if (agentLogs.length > 0) {
  const total = agentLogs.reduce((sum, k) => sum + k.count, 0);
  process.stdout.write(`sim agent warnings/errors: ${total} lines, by message (with the first of each):\n`);
  for (const kind of agentLogs.slice(0, 10)) process.stdout.write(`  ${kind.count} x ${kind.level} '${kind.msg}': ${kind.first}\n`);
}
// A pipe (a CI log) takes 64 KiB at a time and the table is larger: exiting before it drained cut the table and the summary.
process.stdout.write('', () => process.exit(crashed || dataLoss.length > 0 ? 1 : 0));
