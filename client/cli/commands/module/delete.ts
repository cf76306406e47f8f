/** `slipstream module delete PATH`: hides a module; versions pinned by runs stay readable. */
import type { Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';

/** Options of `module delete`. */
export interface ModuleDeleteOptions {
  path: string;
}

/** Deletes the module from listings and launches. */
export function run(deps: CliDeps, opts: ModuleDeleteOptions): Promise<number> {
  return guarded(deps, async () => {
    await deps.connect().modules.delete(opts.path);
    deps.stderr.write(`deleted ${opts.path} (pinned versions stay readable as ${opts.path}@N)\n`);
    return ExitCode.ok;
  });
}

/** Registers `module delete`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('delete')
    .description('hide a module from listings and launches (pinned versions stay readable)')
    .argument('<path>', 'module path')
    .action((path: string, _flags: unknown, command: Command) => host.invoke(command, run, () => ({ path })));
}
