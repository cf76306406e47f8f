/** `slipstream module shared`: the modules other tenants share with the caller's tenant. */
import type { Command } from 'commander';
import type { SharedModule } from '../../../../common/modules/sharing.js';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { printRows, type Column } from '../../output.js';

/** Options of `module shared`. */
export type ModuleSharedOptions = OutputOptions;

/** At most this many versions are spelled out in the table (JSON has them all). */
const SHOWN_VERSIONS = 5;

function versionsText(m: SharedModule): string {
  if (m.allVersions) return `all (latest @${m.versions[0] ?? 0})`;
  const shown = m.versions.slice(0, SHOWN_VERSIONS).map((v) => `@${v}`);
  return m.versions.length > SHOWN_VERSIONS ? `${shown.join(' ')} ...` : shown.join(' ');
}

const COLUMNS: Column<SharedModule>[] = [
  { header: 'reference', value: (m) => `@${m.tenant}/${m.path}` },
  { header: 'kind', value: (m) => m.kind ?? '?' },
  { header: 'versions', value: versionsText },
  { header: 'description', value: (m) => m.description },
];

/** Lists them by owner tenant and path (all pages): each is read, resolved and launched by its reference. */
export function run(deps: CliDeps, opts: ModuleSharedOptions): Promise<number> {
  return guarded(deps, async () => {
    printRows(deps, opts.output, COLUMNS, await deps.connect().modules.shared());
    return ExitCode.ok;
  });
}

/** Registers `module shared`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('shared')
    .description('list the modules other tenants share with this tenant (read-only: get, pull, resolve and launch them as @TENANT/PATH)')
    .action((_flags: unknown, command: Command) => host.invoke(command, run, (g) => ({ output: g.output })));
}
