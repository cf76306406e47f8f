/** `slipstream run list [--state S]... [--tag T] [--module PREFIX] [--watch]`. */
import { Option, type Command } from 'commander';
import { RUN_STATES, type RunState } from '../../../../common/runs/states.js';
import { guarded, type CommandHost } from '../../command-kit.js';
import { completeWith } from '../../completion/value-hints.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { collectChoice } from '../../flags.js';
import { printRows } from '../../output.js';
import type { Run, RunListUpdate } from '../../../services/run-types.js';
import { RUN_COLUMNS, runJson } from '../../views/runs.js';

/** Options of `run list`. */
export interface RunListOptions extends OutputOptions {
  /** Runs in any of these states; none = all. */
  states?: RunState[];
  tag?: string;
  /** Module path prefix. */
  module?: string;
  /** Keep the list open: print it again whenever a run comes, changes or goes, until Ctrl-C. */
  watch?: boolean;
}

/** Lists the tenant's runs (all pages). */
export function run(deps: CliDeps, opts: RunListOptions): Promise<number> {
  return guarded(deps, async () => {
    if (opts.watch) return watchList(deps, opts);
    const runs = await deps.connect().runs.list({ states: opts.states, tag: opts.tag, module: opts.module });
    printRows(deps, opts.output, RUN_COLUMNS, runs, (rows) => rows.map(runJson));
    return ExitCode.ok;
  });
}

/**
 * Follows the list (WatchRuns): the table once the current runs are in, then
 * again at each change, the screen cleared first on a terminal and a blank
 * line between tables otherwise; with --output json one object per update
 * (`run`, `removed` or `synced`). Ctrl-C ends it (exit 130); a controller
 * that ends the stream (it stopped or restarted) is exit 1.
 */
async function watchList(deps: CliDeps, opts: RunListOptions): Promise<number> {
  const json = opts.output === 'json';
  const trap = deps.trapInterrupt?.();
  const runs = new Map<string, Run>();
  let synced = false;
  try {
    const updates = deps.connect().runs.watchRuns({ states: opts.states, tag: opts.tag, module: opts.module, signal: trap?.signal });
    for await (const update of updates) {
      if (update.kind === 'run') runs.set(update.run.id, update.run);
      if (update.kind === 'removed') runs.delete(update.id);
      if (json) {
        deps.stdout.write(`${JSON.stringify(updateJson(update))}\n`);
        continue;
      }
      if (synced) deps.stdout.write(deps.isTTY ? CLEAR_SCREEN : '\n');
      synced ||= update.kind === 'synced';
      if (synced) printRows(deps, 'table', RUN_COLUMNS, newestFirst(runs));
    }
  } catch (error) {
    if (!trap?.signal.aborted) throw error;
  } finally {
    trap?.release();
  }
  if (trap?.signal.aborted) return ExitCode.interrupted;
  deps.stderr.write('error: the controller ended the watch of the run list (it stopped or restarted); run the command again\n');
  return ExitCode.failed;
}

/** Home and clear: the next table replaces the last one on a terminal. */
const CLEAR_SCREEN = '\u001b[H\u001b[2J';

function newestFirst(runs: Map<string, Run>): Run[] {
  const time = (run: Run) => run.createdAt?.getTime() ?? 0;
  return [...runs.values()].sort((a, b) => time(b) - time(a) || a.id.localeCompare(b.id));
}

function updateJson(update: RunListUpdate): Record<string, unknown> {
  switch (update.kind) {
    case 'run':
      return { run: runJson(update.run) };
    case 'removed':
      return { removed: update.id };
    case 'synced':
      return { synced: true };
  }
}

/** Registers `run list`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('list')
    .description('list runs, optionally by state, tag and module')
    .addOption(
      completeWith(
        new Option('--state <state>', `only runs in this state (repeatable): ${RUN_STATES.join(', ')}`).argParser(collectChoice(RUN_STATES)),
        { choices: RUN_STATES },
      ),
    )
    .option('--tag <tag>', 'only runs with this tag')
    .option('--module <prefix>', 'only runs of modules under this path prefix')
    .option('-w, --watch', 'keep the list open: print it again whenever a run comes, changes or goes (Ctrl-C to stop)')
    .action((flags: { state?: RunState[]; tag?: string; module?: string; watch?: boolean }, command: Command) =>
      host.invoke(command, run, (g) => ({ output: g.output, states: flags.state, tag: flags.tag, module: flags.module, watch: flags.watch })),
    );
}
