/**
 * `node --max-semi-space-size=64 --cpu-prof --import tsx bench/profile-deploy.ts
 * [N] [--storm] [--profile-workers DIR]`: one fleet deploy (and the barrier;
 * with --storm, the reconnect storm after a controller restart too) with
 * nothing else, for profiling the controller and, with --profile-workers, the
 * sim agents. The young generation as `npm run bench` and `npm start` size it:
 * Node's default (16 MiB a semi-space) collects the controller's heap more often.
 */
import { availableParallelism } from 'node:os';
import { Command } from 'commander';
import { startBenchController } from './lib/bench-controller.js';
import type { BenchContext } from './lib/context.js';
import { renderTable, type Figure } from './lib/figures.js';
import { saveBenchModules } from './lib/sim-modules.js';
import { stateTimes } from './lib/runs.js';
import { databaseName, ourSeconds, startCpuTimeline, type CpuSlice } from './lib/cpu.js';
import { positiveWhole } from './lib/options.js';
import { fleet } from './scenarios/fleet.js';

const program = new Command()
  .name('profile-deploy')
  .argument('[size]', 'instances to deploy', positiveWhole('size'), 1000)
  .option('--storm', 'then restart the controller under them (the reconnect storm)')
  .option('--profile-workers <dir>', "write the sim workers' CPU profiles here")
  .parse();
const size = program.processedArgs[0] as number;
const { storm, profileWorkers } = program.opts<{ storm?: boolean; profileWorkers?: string }>();
const ctl = await startBenchController({ workers: availableParallelism(), ...(profileWorkers ? { workerCpuProfileDir: profileWorkers } : {}) });
const figures: Figure[] = [];
try {
  const ctx: BenchContext = { ctl, quick: false, figures, dataLoss: [], baselines: new Map(), log: (m) => process.stderr.write(`${new Date().toISOString()} ${m}\n`) };
  await saveBenchModules(ctl.client, { samples: 1, throughputRounds: 1 });
  const timeline = startCpuTimeline(ctl.pool.pids, databaseName(ctl.databaseUrl));
  const run = await fleet(ctx, { size, storm: !!storm });
  // When the agents got through each step, relative to the first enrollment: where a deploy spends its time.
  const records = await ctl.pool.records();
  const first = Math.min(...records.flatMap((r) => r.events.filter((e) => e[0] === 'enrolled').map((e) => e[3])));
  const steps: [string, number][] = [['vm-started', 0], ['enrolled', 0], ['welcomed', 2], ['state-completed', 2], ['state-received', 3], ['state-completed', 3], ['state-received', 4]];
  for (const [type, state] of steps) {
    const times = records
      .map((r) => r.events.find((e) => e[0] === type && (type === 'enrolled' || type === 'vm-started' || e[1] === state))?.[3])
      .filter((t): t is number => t !== undefined)
      .map((t) => (t - first) / 1000)
      .sort((a, b) => a - b);
    const at = (p: number) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))]?.toFixed(0);
    process.stderr.write(`${type} ${state}: n=${times.length} p0=${at(0)} p50=${at(50)} p100=${at(100)} ms\n`);
  }
  // When the run entered each state, relative to its creation (the journal's clock, the deploy figure's).
  const { createdAt, entered } = await stateTimes(ctl.db, run.runId);
  process.stderr.write(`run states: ${[...entered].map(([state, at]) => `${state} +${at - createdAt} ms`).join(', ')}\n`);
  // Where the cores went between launch and Ready, by 100 ms slice, in cores: what our processes ran, what they were
  // ready to run but waited for a core (on a shared machine, others' work crowds them out), and the machine's total.
  // A slice whose ran + waited is under the cores is a serial wait of ours: part of the deploy slept.
  const slices = timeline.stop();
  const readyAt = entered.get('Ready') ?? Number.POSITIVE_INFINITY;
  const cores = availableParallelism();
  const busy = (seconds: number, wallMs: number) => ((seconds * 1000) / wallMs).toFixed(2);
  const writeSlice = (from: number, { startedAt, wallMs, spent, waited, machine }: CpuSlice) => {
    const demand = ourSeconds(spent) + ourSeconds(waited);
    process.stderr.write(
      `  t=${startedAt - from} +${wallMs}: ${busy(spent.controller, wallMs)} / ${busy(spent.agents, wallMs)} / ${busy(spent.postgres, wallMs)}, ` +
        `${busy(ourSeconds(waited), wallMs)}, ${busy(demand, wallMs)}; ${busy(machine, wallMs)}\n`,
    );
  };
  process.stderr.write(`cores by slice (t from the run's creation): ran controller+bench / agents / postgres, waited, demand; machine\n`);
  let sleptCoreSeconds = 0;
  let waitedCoreSeconds = 0;
  // The same, by the state the run was in: where the slack is.
  const phases = [['Initializing', createdAt] as const, ...[...entered].filter(([, at]) => at <= readyAt)];
  const phaseOf = (at: number) => phases.findLast(([, from]) => from <= at)?.[0] ?? 'Initializing';
  const slackByPhase = new Map<string, number>();
  for (const slice of slices) {
    const { startedAt, wallMs, spent, waited } = slice;
    if (startedAt + wallMs < createdAt || startedAt > readyAt) continue;
    const slack = Math.max(0, (cores * wallMs) / 1000 - ourSeconds(spent) - ourSeconds(waited));
    sleptCoreSeconds += slack;
    const phase = phaseOf(startedAt + wallMs / 2);
    slackByPhase.set(phase, (slackByPhase.get(phase) ?? 0) + slack);
    waitedCoreSeconds += ourSeconds(waited);
    writeSlice(createdAt, slice);
  }
  process.stderr.write(`core-seconds left unwanted by state: ${[...slackByPhase].map(([state, slack]) => `${state} ${slack.toFixed(2)}`).join(', ')}\n`);
  process.stderr.write(`from launch to Ready: ${sleptCoreSeconds.toFixed(2)} core-seconds that our processes left unwanted, ${waitedCoreSeconds.toFixed(2)} s they waited for a core\n`);
  if (storm) {
    // After Ready: the barrier, then the restart and its reconnect storm (the controller's stop shows as its long slices).
    process.stderr.write(`cores by slice after Ready (t from Ready), same columns:\n`);
    for (const slice of slices) if (slice.startedAt >= readyAt) writeSlice(readyAt, slice);
  }
  await run.terminate();
} finally {
  await ctl.close();
}
process.stdout.write(`${renderTable(figures)}\n`);
process.exit(0);
