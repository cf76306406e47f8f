/** `slipstream module list [PREFIX] [--kind K]`. */
import { Option, type Command } from 'commander';
import { MODULE_KINDS, type ModuleKind } from '../../../../common/modules/types.js';
import type { ModuleListing } from '../../../services/modules.js';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { formatTime, printRows, type Column } from '../../output.js';

/** Options of `module list`. */
export interface ModuleListOptions extends OutputOptions {
  /** Folder: `a/b` lists `a/b` and everything below it. */
  prefix?: string;
  kind?: ModuleKind;
}

const COLUMNS: Column<ModuleListing>[] = [
  { header: 'path', value: (m) => m.path },
  { header: 'kind', value: (m) => m.kind ?? 'unknown' },
  { header: 'version', value: (m) => String(m.latest.version) },
  { header: 'updated', value: (m) => formatTime(m.latest.createdAt) },
  { header: 'author', value: (m) => m.latest.author },
  { header: 'description', value: (m) => m.description },
];

/** Lists live modules (all pages). */
export function run(deps: CliDeps, opts: ModuleListOptions): Promise<number> {
  return guarded(deps, async () => {
    const modules = await deps.connect().modules.list({ prefix: opts.prefix, kind: opts.kind });
    printRows(deps, opts.output, COLUMNS, modules, (rows) =>
      rows.map(({ path, kind, description, latest }) => ({ path, kind, description, latest })),
    );
    return ExitCode.ok;
  });
}

/** Registers `module list`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('list')
    .description('list modules, optionally under a folder and of one kind')
    .argument('[prefix]', 'folder, e.g. web/frontends')
    .addOption(new Option('--kind <kind>', 'only modules of this kind').choices(MODULE_KINDS))
    .action((prefix: string | undefined, flags: { kind?: ModuleKind }, command: Command) =>
      host.invoke(command, run, (g) => ({ output: g.output, prefix, kind: flags.kind })),
    );
}
