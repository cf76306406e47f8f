/** `slipstream module publications [PATH]`: what the caller's tenant shares with other tenants. */
import type { Command } from 'commander';
import type { ModulePublication } from '../../../../common/modules/sharing.js';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { formatTime, printRows, type Column } from '../../output.js';

/** Options of `module publications`. */
export interface ModulePublicationsOptions extends OutputOptions {
  /** Only this module's publications. */
  path?: string;
}

const COLUMNS: Column<ModulePublication>[] = [
  { header: 'module', value: (p) => p.path },
  { header: 'version', value: (p) => (p.version === undefined ? 'all' : `@${p.version}`) },
  { header: 'to', value: (p) => p.tenant ?? 'every tenant' },
  { header: 'by', value: (p) => p.publishedBy },
  { header: 'at', value: (p) => formatTime(p.publishedAt) },
];

/** Lists the tenant's publications by module path (all pages). */
export function run(deps: CliDeps, opts: ModulePublicationsOptions): Promise<number> {
  return guarded(deps, async () => {
    printRows(deps, opts.output, COLUMNS, await deps.connect().modules.publications(opts.path));
    return ExitCode.ok;
  });
}

/** Registers `module publications`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('publications')
    .description("list what this tenant shares with other tenants (module publish)")
    .argument('[path]', 'only the publications of this module')
    .action((path: string | undefined, _flags: unknown, command: Command) =>
      host.invoke(command, run, (g) => ({ output: g.output, ...(path !== undefined && { path }) })),
    );
}
