/** `slipstream run terminate ID [--wait]`: operator terminate; VMs are destroyed. */
import type { Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { printJson } from '../../output.js';
import { latestEventSequence, waitForRun } from '../../run-follow.js';
import { runJson } from '../../views/runs.js';

/** Options of `run terminate`. */
export interface RunTerminateOptions extends OutputOptions {
  id: string;
  /** Follow the run until it is final. */
  wait?: boolean;
}

/**
 * Terminates: a transitional run goes to Cancelled, a Ready one through
 * Finalizing to Done. With --wait exits 0 once Done, 3 once Aborted or
 * Cancelled, 130 on Ctrl-C.
 */
export function run(deps: CliDeps, opts: RunTerminateOptions): Promise<number> {
  return guarded(deps, async () => {
    const client = deps.connect();
    const after = opts.wait ? await latestEventSequence(client, opts.id) : 0;
    const terminated = await client.runs.terminate(opts.id);
    if (opts.wait) return waitForRun(deps, client, { runId: opts.id, until: 'final', output: opts.output, style: 'live', afterSequence: after });
    if (opts.output === 'json') printJson(deps, runJson(terminated));
    else deps.stderr.write(`terminating run ${terminated.id} (now ${terminated.state ?? 'unknown'})\n`);
    return ExitCode.ok;
  });
}

/** Registers `run terminate`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('terminate')
    .description('terminate a run and destroy its VMs; --wait until it is final (exit 0 Done, 3 Aborted/Cancelled)')
    .argument('<id>', 'run id')
    .option('--wait', 'follow the run until it is final')
    .action((id: string, flags: { wait?: boolean }, command: Command) =>
      host.invoke(command, run, (g) => ({ output: g.output, id, wait: flags.wait })),
    );
}
