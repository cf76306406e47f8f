/** `slipstream template list`: the live deployment templates. */
import type { Command } from 'commander';
import type { TemplateListing } from '../../../../common/templates/types.js';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { formatTime, printRows, type Column } from '../../output.js';

/** Options of `template list`. */
export type TemplateListOptions = OutputOptions;

const COLUMNS: Column<TemplateListing>[] = [
  { header: 'name', value: (t) => t.name },
  { header: 'module', value: (t) => t.module },
  { header: 'version', value: (t) => String(t.latest.version) },
  { header: 'updated', value: (t) => formatTime(t.latest.createdAt) },
  { header: 'author', value: (t) => t.latest.author },
  { header: 'description', value: (t) => t.description },
];

/** Lists live templates (all pages). */
export function run(deps: CliDeps, opts: TemplateListOptions): Promise<number> {
  return guarded(deps, async () => {
    const templates = await deps.connect().templates.list();
    printRows(deps, opts.output, COLUMNS, templates, (rows) => rows.map(({ name, module, description, latest }) => ({ name, module, description, latest })));
    return ExitCode.ok;
  });
}

/** Registers `template list`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('list')
    .description('list the deployment templates')
    .action((_flags: unknown, command: Command) => host.invoke(command, run, (g) => ({ output: g.output })));
}
