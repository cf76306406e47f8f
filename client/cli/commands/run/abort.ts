/** `slipstream run abort ID MESSAGE` / `slipstream run abort ID --cancel`: raises or clears the abort flag. */
import type { Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { UsageError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { printJson } from '../../output.js';
import { runJson } from '../../views/runs.js';

/** Options of `run abort`. */
export interface RunAbortOptions extends OutputOptions {
  id: string;
  /** Why; required unless `cancel`. */
  message?: string;
  /** Clear the abort flag instead. */
  cancel?: boolean;
}

/** Aborts the run (the first message wins; it drains to Aborted by its keepRunning rule) or cancels the abort. */
export function run(deps: CliDeps, opts: RunAbortOptions): Promise<number> {
  return guarded(deps, async () => {
    if (opts.cancel && opts.message !== undefined) throw new UsageError('give either a MESSAGE or --cancel, not both');
    if (!opts.cancel && !opts.message?.trim()) throw new UsageError('give a MESSAGE saying why (or --cancel to clear the abort)');
    const runs = deps.connect().runs;
    const updated = opts.cancel ? await runs.cancelAbort(opts.id) : await runs.abort(opts.id, opts.message!);
    if (opts.output === 'json') printJson(deps, runJson(updated));
    else if (opts.cancel) deps.stderr.write(`cleared the abort of run ${updated.id} (${updated.state ?? 'unknown'})\n`);
    else deps.stderr.write(`aborted run ${updated.id} (${updated.state ?? 'unknown'}): ${updated.abortMessage ?? opts.message}\n`);
    return ExitCode.ok;
  });
}

/** Registers `run abort`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('abort')
    .description('abort a run with a message, or clear its abort with --cancel')
    .argument('<id>', 'run id')
    .argument('[message]', 'why the run is aborted')
    .option('--cancel', 'clear the abort flag instead')
    .action((id: string, message: string | undefined, flags: { cancel?: boolean }, command: Command) =>
      host.invoke(command, run, (g) => ({ output: g.output, id, message, cancel: flags.cancel })),
    );
}
