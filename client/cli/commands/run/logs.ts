/** `slipstream run logs ID [--instance node.N] [--follow]`: the agents' log lines. */
import type { Command } from 'commander';
import { isFinal } from '../../../../common/runs/states.js';
import { runLogLineFromProto, type RunLogLine } from '../../../services/run-types.js';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { parseInstanceName } from '../../flags.js';
import { printJson } from '../../output.js';
import { followRun } from '../../run-follow.js';
import { formatLogLine } from '../../views/runs.js';

/** Options of `run logs`. */
export interface RunLogsCommandOptions extends OutputOptions {
  id: string;
  /** Only this instance (`node.N`). */
  instance?: string;
  /** Keep printing new lines as they arrive until the run is final (or Ctrl-C). */
  follow?: boolean;
}

/**
 * Prints the lines so far, one per line (a JSON array with --output json);
 * with --follow then streams new ones as they are pushed (one JSON object per
 * line with --output json) until the run is final (exit 0), or Ctrl-C (exit
 * 130); a watch that breaks is reopened after the last line printed, and one
 * that cannot be (exit 1) says so.
 */
export function run(deps: CliDeps, opts: RunLogsCommandOptions): Promise<number> {
  return guarded(deps, async () => {
    const client = deps.connect();
    const { lines, lastSequence } = await client.runs.logs(opts.id, { instance: opts.instance });
    const json = opts.output === 'json';
    const print = (line: RunLogLine): void => void deps.stdout.write(`${json ? JSON.stringify(line) : formatLogLine(line)}\n`);
    if (!opts.follow) {
      if (json) printJson(deps, lines);
      else lines.forEach(print);
      return ExitCode.ok;
    }
    lines.forEach(print);
    const trap = deps.trapInterrupt?.();
    try {
      const { interrupted, model } = await followRun((id, o) => client.runs.watch(id, o), {
        runId: opts.id,
        until: 'final',
        afterSequence: lastSequence,
        includeLogs: true,
        logInstance: opts.instance,
        signal: trap?.signal,
        reconnect: { out: deps.stderr, policy: deps.reconnect },
        onUpdate: (update) => {
          const u = update.update;
          if (u?.$case === 'logLine' && (opts.instance === undefined || u.value.instance === opts.instance)) print(runLogLineFromProto(u.value));
        },
      });
      if (interrupted) return ExitCode.interrupted;
      if (model.state === undefined || !isFinal(model.state)) {
        deps.stderr.write(`error: the watch of run ${opts.id} ended while it is ${model.state ?? 'in an unknown state'}\n`);
        return ExitCode.failed;
      }
      return ExitCode.ok;
    } finally {
      trap?.release();
    }
  });
}

/** Registers `run logs`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('logs')
    .description('print a run\'s log lines; --follow streams new ones until the run is final')
    .argument('<id>', 'run id')
    .option('--instance <node.N>', 'only this instance', parseInstanceName)
    .option('-f, --follow', 'keep printing new lines as they arrive')
    .action((id: string, flags: { instance?: string; follow?: boolean }, command: Command) =>
      host.invoke(command, run, (g) => ({ output: g.output, id, instance: flags.instance, follow: flags.follow })),
    );
}
