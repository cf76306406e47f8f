/**
 * Scale-out: the large deploy as 10 runs (placement is least-loaded per new
 * run, so they spread over the replicas), on one replica and then on three,
 * each on a fresh database: wall time from the first launch to the last run
 * Ready, and where the CPU went (each replica process, the sim workers,
 * PostgreSQL). On a machine with fewer cores than processes, three replicas
 * cannot be faster: their ratio is the cost of coordination.
 */
import { startBenchReplicas, holdersOf, waitForAll, type ReplicaPool } from '../lib/bench-replicas.js';
import { checkAcknowledged } from '../lib/checks.js';
import type { BenchContext } from '../lib/context.js';
import { postgresPids, secondsByPid } from '../lib/cpu.js';
import { exactly, info, type Baseline } from '../lib/figures.js';
import { launch, stateTimes } from '../lib/runs.js';

const SCENARIO = 'replica scale-out';

interface Deployed {
  wallMs: number;
  /** CPU seconds of each replica process, by its index. */
  replicaCpu: number[];
  workersCpu: number;
  postgresCpu: number;
  /** Runs per replica index. */
  holders: Map<number, number>;
  problems: string[];
}

const spent = (before: Map<number, number>, after: Map<number, number>) => [...after].reduce((sum, [pid, s]) => sum + s - (before.get(pid) ?? 0), 0);

async function deploy(ctx: BenchContext, agents: ReplicaPool, modules: { samples: number; throughputRounds: number }, replicas: number, sizes: { runs: number; perRun: number }): Promise<Deployed> {
  const bench = await startBenchReplicas(agents, replicas, modules);
  try {
    const pids = bench.set.replicas.map((r) => r.proc.child.pid!);
    const cpuBefore = { replicas: secondsByPid(pids), workers: secondsByPid(agents.pool.pids), postgres: secondsByPid(postgresPids()) };
    ctx.log(`${SCENARIO}: ${sizes.runs} runs x ${sizes.perRun} on ${replicas} replica(s)`);
    const runIds: string[] = [];
    // One launch at a time: placement reads the committed runs, so concurrent launches could all pick one replica.
    for (let i = 0; i < sizes.runs; i++) runIds.push(await launch(bench.set.replicas[i % replicas]!.client, 'bench/deploy', { w: sizes.perRun }));
    await waitForAll(bench.db, runIds, 'Ready', Math.max(180_000, sizes.runs * sizes.perRun * 60));
    const cpuAfter = { replicas: secondsByPid(pids), workers: secondsByPid(agents.pool.pids), postgres: secondsByPid(postgresPids()) };
    const times: Awaited<ReturnType<typeof stateTimes>>[] = [];
    // One pg client: one query at a time.
    for (const id of runIds) times.push(await stateTimes(bench.db, id));
    const wallMs = Math.max(...times.map((t) => t.entered.get('Ready')!)) - Math.min(...times.map((t) => t.createdAt));
    const problems: string[] = [];
    for (const runId of runIds) {
      const records = await agents.pool.records(Array.from({ length: sizes.perRun }, (_, i) => `${runId}/w.${i + 1}`));
      problems.push(...(await checkAcknowledged(bench.db, runId, records)));
    }
    return {
      wallMs,
      replicaCpu: pids.map((pid) => (cpuAfter.replicas.get(pid) ?? Number.NaN) - (cpuBefore.replicas.get(pid) ?? 0)),
      workersCpu: spent(cpuBefore.workers, cpuAfter.workers),
      postgresCpu: spent(cpuBefore.postgres, cpuAfter.postgres),
      holders: await holdersOf(bench, runIds),
      problems,
    };
  } finally {
    await bench.stop();
  }
}

export async function replicaScaleOut(ctx: BenchContext, agents: ReplicaPool, modules: { samples: number; throughputRounds: number }, sizes: { runs: number; perRun: number }): Promise<void> {
  const n = sizes.runs * sizes.perRun;
  const one = await deploy(ctx, agents, modules, 1, sizes);
  const three = await deploy(ctx, agents, modules, 3, sizes);
  const baseline: Baseline = { name: '1 replica', value: one.wallMs, unit: 'ms' };
  const shape = `${sizes.runs} x ${sizes.perRun}`;
  ctx.figures.push(info(SCENARIO, `launch to every run Ready, ${n} instances (${shape}), 1 replica`, one.wallMs, 'ms'));
  ctx.figures.push(info(SCENARIO, `launch to every run Ready, ${n} instances (${shape}), 3 replicas`, three.wallMs, 'ms', baseline));
  for (const [label, d] of [['1 replica', one], ['3 replicas', three]] as const) {
    const runs = [...d.holders].sort(([a], [b]) => a - b).map(([index, count]) => `r${index}: ${count}`).join(', ');
    d.replicaCpu.forEach((seconds, index) => ctx.figures.push(info(SCENARIO, `  ${label}: CPU of replica r${index} (runs ${runs})`, seconds, 's')));
    const cpu = (x: Deployed) => x.replicaCpu.reduce((a, b) => a + b, 0);
    const cpuBaseline = d === three ? { name: '1 replica', value: cpu(one), unit: 's' } : undefined;
    ctx.figures.push(info(SCENARIO, `  ${label}: CPU of every replica`, cpu(d), 's', cpuBaseline));
    ctx.figures.push(info(SCENARIO, `  ${label}: CPU of the sim agents (worker processes)`, d.workersCpu, 's'));
    ctx.figures.push(info(SCENARIO, `  ${label}: CPU of PostgreSQL`, d.postgresCpu, 's'));
    ctx.figures.push(exactly(SCENARIO, `acknowledged sets/completions missing from the database, ${label}`, d.problems.length, 'items', 0));
    ctx.dataLoss.push(...d.problems.slice(0, 20));
  }
}
