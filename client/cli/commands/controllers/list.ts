/** `slipstream controller list`: the controller replicas sharing the database (operator admins). */
import type { Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { printRows } from '../../output.js';
import { CONTROLLER_COLUMNS, controllerView } from '../../views/controllers.js';

/** Options of `controller list`. */
export type ControllerListOptions = OutputOptions;

/**
 * Lists the replicas, newest start first; the one that answered is marked
 * `*` after its id (`self` in JSON). Heartbeat ages are counted on this
 * machine's clock.
 */
export function run(deps: CliDeps, opts: ControllerListOptions): Promise<number> {
  return guarded(deps, async () => {
    const { controllers } = await deps.connect().controllers.list();
    const now = new Date();
    // JSON keeps the heartbeat's time only: an age is stale as soon as a script stores it.
    printRows(deps, opts.output, CONTROLLER_COLUMNS, controllers.map((c) => controllerView(c, now)), (rows) => rows.map(({ heartbeatAge: _age, ...rest }) => rest));
    return ExitCode.ok;
  });
}

/** Registers `controller list`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('list')
    .description('list the controller replicas: address, version, state, runs owned, agents, last heartbeat (* = the one answering)')
    .action((_flags: unknown, command: Command) => host.invoke(command, run, (g) => ({ output: g.output })));
}
