/** `slipstream module history PATH`: the versions of a module, newest first, with the tags pointing at each. */
import type { Command } from 'commander';
import type { ModuleVersionInfo } from '../../../../common/modules/types.js';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { formatTime, printRows, type Column } from '../../output.js';

/** Options of `module history`. */
export interface ModuleHistoryOptions extends OutputOptions {
  path: string;
}

const COLUMNS: Column<ModuleVersionInfo>[] = [
  { header: 'version', value: (v) => String(v.version) },
  { header: 'created', value: (v) => formatTime(v.createdAt) },
  { header: 'author', value: (v) => v.author },
  { header: 'hash', value: (v) => v.contentHash.slice(0, 12) },
  // The promotion tags pointing at the version now.
  { header: 'tags', value: (v) => (v.tags ?? []).join(',') },
  { header: 'message', value: (v) => v.message },
];

/** Lists every version (all pages). */
export function run(deps: CliDeps, opts: ModuleHistoryOptions): Promise<number> {
  return guarded(deps, async () => {
    printRows(deps, opts.output, COLUMNS, await deps.connect().modules.history(opts.path));
    return ExitCode.ok;
  });
}

/** Registers `module history`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('history')
    .description('list the versions of a module, newest first')
    .argument('<path>', 'module path, or @TENANT/path for a module another tenant shares')
    .action((path: string, _flags: unknown, command: Command) => host.invoke(command, run, (g) => ({ output: g.output, path })));
}
