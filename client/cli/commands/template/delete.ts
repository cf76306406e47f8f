/** `slipstream template delete NAME`: hides a template; its versions stay readable. */
import type { Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';

/** Options of `template delete`. */
export interface TemplateDeleteOptions {
  name: string;
}

/** Deletes the template from listings and launches. */
export function run(deps: CliDeps, opts: TemplateDeleteOptions): Promise<number> {
  return guarded(deps, async () => {
    await deps.connect().templates.delete(opts.name);
    deps.stderr.write(`deleted template ${opts.name} (its versions stay readable as ${opts.name}@N; saving it again revives it)\n`);
    return ExitCode.ok;
  });
}

/** Registers `template delete`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('delete')
    .description('hide a template from listings and launches (its versions stay readable)')
    .argument('<name>', 'template name')
    .action((name: string, _flags: unknown, command: Command) => host.invoke(command, run, () => ({ name })));
}
