/** `slipstream run watch ID [--logs]`: a run's updates as lines, as they happen, until it is final. */
import type { Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { waitForRun } from '../../run-follow.js';

/** Options of `run watch`. */
export interface RunWatchOptions extends OutputOptions {
  id: string;
  /** Also print the agents' log lines. */
  logs?: boolean;
}

/**
 * Prints the run's history, then each change as it commits (state, abort,
 * instance status, events; log lines with --logs), until the run is final;
 * one JSON object per update with --output json. Exits 0 when it ends Done,
 * 3 when Aborted or Cancelled, 130 on Ctrl-C.
 */
export function run(deps: CliDeps, opts: RunWatchOptions): Promise<number> {
  return guarded(deps, () =>
    waitForRun(deps, deps.connect(), { runId: opts.id, until: 'final', output: opts.output, style: 'lines', logs: opts.logs }),
  );
}

/** Registers `run watch`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('watch')
    .description('print a run\'s updates as they happen until it is final (exit 3 if aborted or cancelled)')
    .argument('<id>', 'run id')
    .option('--logs', 'also print log lines')
    .action((id: string, flags: { logs?: boolean }, command: Command) =>
      host.invoke(command, run, (g) => ({ output: g.output, id, logs: flags.logs })),
    );
}
