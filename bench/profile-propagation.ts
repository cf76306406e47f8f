/**
 * `node --import tsx bench/profile-propagation.ts`: the propagation scenario
 * alone, with no other agents connected, for profiling the set path; beside
 * the raw relay, so that the table shows the same ratios as `npm run bench`.
 */
import { startBenchController } from './lib/bench-controller.js';
import type { BenchContext } from './lib/context.js';
import { renderTable, type Figure } from './lib/figures.js';
import { saveBenchModules } from './lib/sim-modules.js';
import { propagation, rawRelayBaseline } from './scenarios/propagation.js';

const ctl = await startBenchController({ workers: 1 });
const figures: Figure[] = [];
try {
  const ctx: BenchContext = { ctl, quick: false, figures, dataLoss: [], baselines: new Map(), log: (m) => process.stderr.write(`${m}\n`) };
  await saveBenchModules(ctl.client, { samples: 150, throughputRounds: 1 });
  await rawRelayBaseline(ctx, 150);
  await propagation(ctx, 0);
} finally {
  await ctl.close();
}
process.stdout.write(`${renderTable(figures)}\n`);
process.exit(0);
