import type { BenchController } from './bench-controller.js';
import type { Baseline, Figure } from './figures.js';

/** What every scenario gets: the controller, the sizes, where figures and data-loss findings go. */
export interface BenchContext {
  ctl: BenchController;
  quick: boolean;
  figures: Figure[];
  /** Data checks that failed: an acknowledged set or completion missing, a duplicate phase, an agent that gave up. */
  dataLoss: string[];
  /** Baselines measured earlier in this run, by name. */
  baselines: Map<string, Baseline>;
  /**
   * The same figures measured on peer systems (etcd) earlier in this run, by name; empty when none is installed,
   * absent where nothing measures peers (the profiling scripts).
   */
  peers?: Map<string, Baseline>;
  log(message: string): void;
}

/** Percentile (nearest rank) of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Forces a full collection when the process runs with --expose-gc, so RSS readings settle. */
export async function settleMemory(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 200));
  }
  return process.memoryUsage.rss();
}
