/**
 * `node --import tsx bench/profile-propagation.ts [--connected N] [--workers W]
 * [--profile-workers DIR]`: the propagation scenario alone, for profiling the
 * set path; beside the raw relay, so that the table shows the same ratios as
 * `npm run bench`. With --connected, a fleet of N agents is deployed and left
 * Ready first, as `npm run bench` does before its propagation (the relay is
 * then measured beside it too).
 */
import { Command } from 'commander';
import { MAX_PARAMETERS } from '../common/modules/limits.js';
import { startBenchController } from './lib/bench-controller.js';
import type { BenchContext } from './lib/context.js';
import { renderTable, type Figure } from './lib/figures.js';
import { positiveWhole } from './lib/options.js';
import { PROPAGATION_WARMUP_ROUNDS, saveBenchModules } from './lib/sim-modules.js';
import { fleet } from './scenarios/fleet.js';
import { propagation, rawRelayBaseline } from './scenarios/propagation.js';

// pong has an input per ping (warm-up ones too) and one output for the result.
const MAX_SAMPLES = MAX_PARAMETERS - 1 - PROPAGATION_WARMUP_ROUNDS;
const program = new Command()
  .name('profile-propagation')
  .option('--connected <n>', 'agents of a fleet left Ready during the measurement', positiveWhole('--connected'))
  .option('--workers <n>', 'sim worker processes', positiveWhole('--workers'), 1)
  .option('--samples <n>', `sets measured (at most ${MAX_SAMPLES})`, positiveWhole('--samples'), 150)
  .option('--profile-workers <dir>', "write the sim workers' CPU profiles here")
  .parse();
const { connected, workers, samples, profileWorkers } = program.opts<{ connected?: number; workers: number; samples: number; profileWorkers?: string }>();
if (samples > MAX_SAMPLES) program.error(`profile-propagation: --samples must be at most ${MAX_SAMPLES} (a component holds at most ${MAX_PARAMETERS} parameters)`, { exitCode: 2 });

const ctl = await startBenchController({ workers, ...(profileWorkers ? { workerCpuProfileDir: profileWorkers } : {}) });
const figures: Figure[] = [];
try {
  const ctx: BenchContext = { ctl, quick: false, figures, dataLoss: [], baselines: new Map(), log: (m) => process.stderr.write(`${m}\n`) };
  await saveBenchModules(ctl.client, { samples, throughputRounds: 1 });
  const fleetRun = connected ? await fleet(ctx, { size: connected }) : undefined;
  await rawRelayBaseline(ctx, samples);
  await propagation(ctx, connected ?? 0);
  await fleetRun?.terminate();
} finally {
  await ctl.close();
}
process.stdout.write(`${renderTable(figures)}\n`);
process.exit(0);
