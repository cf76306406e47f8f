/** `slipstream run scale ID add NODE [-n K]` / `slipstream run scale ID remove NODE.N...`: scales a scalable run in Ready. */
import { Argument, InvalidArgumentError, type Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { UsageError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { parseInstanceName, parseIntAtLeast } from '../../flags.js';
import { printJson } from '../../output.js';
import { latestEventSequence, waitForRun } from '../../run-follow.js';
import { runJson } from '../../views/runs.js';

export const SCALE_ACTIONS = ['add', 'remove'] as const;

/** Options of `run scale`. */
export type RunScaleOptions = OutputOptions & {
  id: string;
  /** Follow the run until it is Ready again. */
  wait?: boolean;
} & ({ action: 'add'; node: string; count: number } | { action: 'remove'; instances: string[] });

/**
 * Adds instances to a node or removes given instances; prints the instances
 * added or being removed, one per line. With --wait follows the run back to
 * Ready: exit 0, or 3 if it was aborted meanwhile, 130 on Ctrl-C.
 */
export function run(deps: CliDeps, opts: RunScaleOptions): Promise<number> {
  return guarded(deps, async () => {
    const client = deps.connect();
    const after = opts.wait ? await latestEventSequence(client, opts.id) : 0;
    const result =
      opts.action === 'add'
        ? await client.runs.scaleAdd(opts.id, opts.node, opts.count)
        : await client.runs.scaleRemove(opts.id, opts.instances);
    if (opts.output !== 'json') {
      deps.stdout.write(result.instances.map((i) => `${i}\n`).join(''));
      const verb = opts.action === 'add' ? 'adding' : 'removing';
      deps.stderr.write(`${verb} ${result.instances.join(', ')}; run ${opts.id} is ${result.run.state ?? 'unknown'}\n`);
    }
    if (opts.wait) return waitForRun(deps, client, { runId: opts.id, until: 'settled', output: opts.output, style: 'live', afterSequence: after });
    if (opts.output === 'json') printJson(deps, { run: runJson(result.run), instances: result.instances });
    return ExitCode.ok;
  });
}

/** Turns the positional targets into add or remove options; UsageError when they do not fit the action. */
function targetsOf(action: (typeof SCALE_ACTIONS)[number], targets: string[], count: number | undefined) {
  if (action === 'add') {
    if (targets.length !== 1) throw new UsageError('scale add takes one NODE (and -n K for how many instances)');
    return { action, node: targets[0]!, count: count ?? 1 };
  }
  if (count !== undefined) throw new UsageError('-n is for scale add; scale remove takes the instances to remove');
  const instances = targets.map((t) => {
    try {
      return parseInstanceName(t);
    } catch (error) {
      if (error instanceof InvalidArgumentError) throw new UsageError(`scale remove: '${t}' is not an instance (expected NODE.N, e.g. web.2)`);
      throw error;
    }
  });
  return { action, instances };
}

/** Registers `run scale`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('scale')
    .description('add instances to a node (add NODE -n K) or remove instances (remove NODE.N...) of a scalable run')
    .argument('<id>', 'run id')
    .addArgument(new Argument('<action>', 'add or remove').choices(SCALE_ACTIONS))
    .argument('<targets...>', 'add: the NODE; remove: the instances, e.g. web.2 web.3')
    .option('-n, --count <k>', 'how many instances to add (default: 1)', parseIntAtLeast(1))
    .option('--wait', 'follow the run until it is Ready again')
    .action(
      (id: string, action: (typeof SCALE_ACTIONS)[number], targets: string[], flags: { count?: number; wait?: boolean }, command: Command) =>
        host.invoke(command, run, (g) => ({ output: g.output, id, wait: flags.wait, ...targetsOf(action, targets, flags.count) })),
    );
}
