/** `slipstream template history NAME`: the versions of a template, newest first. */
import type { Command } from 'commander';
import type { TemplateVersionInfo } from '../../../../common/templates/types.js';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { formatTime, printRows, type Column } from '../../output.js';

/** Options of `template history`. */
export interface TemplateHistoryOptions extends OutputOptions {
  name: string;
}

const COLUMNS: Column<TemplateVersionInfo>[] = [
  { header: 'version', value: (v) => String(v.version) },
  { header: 'created', value: (v) => formatTime(v.createdAt) },
  { header: 'author', value: (v) => v.author },
  { header: 'hash', value: (v) => v.contentHash.slice(0, 12) },
  { header: 'message', value: (v) => v.message },
];

/** Lists every version (all pages). */
export function run(deps: CliDeps, opts: TemplateHistoryOptions): Promise<number> {
  return guarded(deps, async () => {
    printRows(deps, opts.output, COLUMNS, await deps.connect().templates.history(opts.name));
    return ExitCode.ok;
  });
}

/** Registers `template history`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('history')
    .description('list the versions of a template, newest first')
    .argument('<name>', 'template name')
    .action((name: string, _flags: unknown, command: Command) => host.invoke(command, run, (g) => ({ output: g.output, name })));
}
