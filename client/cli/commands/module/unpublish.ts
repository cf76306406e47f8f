/** `slipstream module unpublish PATH[@N] [--from TENANT]...`: withdraws publications of a module. */
import type { Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { collect } from '../../flags.js';
import { printJson } from '../../output.js';
import { parsePublishTarget } from './publish.js';

/** Options of `module unpublish`. */
export interface ModuleUnpublishOptions extends OutputOptions {
  /** `path` (publications of any version) or `path@N` (of that version only), as typed. */
  target: string;
  /** Withdraw only the publications to these tenants; empty: to anyone. */
  from: string[];
}

/** Withdraws; says how many publications went. Runs launched from the module go on. */
export function run(deps: CliDeps, opts: ModuleUnpublishOptions): Promise<number> {
  return guarded(deps, async () => {
    const { path, version } = parsePublishTarget(opts.target);
    const removed = await deps.connect().modules.unpublish(path, { ...(version !== undefined && { version }), tenants: opts.from });
    if (opts.output === 'json') {
      printJson(deps, { removed });
      return ExitCode.ok;
    }
    const what = version === undefined ? path : `${path}@${version}`;
    deps.stderr.write(
      removed === 0
        ? `${what} had no such publication; nothing withdrawn\n`
        : `withdrew ${removed} publication${removed === 1 ? '' : 's'} of ${what}; runs already launched from it go on\n`,
    );
    return ExitCode.ok;
  });
}

/** Registers `module unpublish`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('unpublish')
    .description('stop sharing a module: no new reads or launches by other tenants; their runs go on (editor and up)')
    .argument('<path>', 'module path (publications of any version), or path@N (of that version only)')
    .option('--from <tenant>', 'withdraw only the publication to this tenant (repeatable; default: every publication)', collect)
    .action((target: string, flags: { from?: string[] }, command: Command) =>
      host.invoke(command, run, (g) => ({ output: g.output, target, from: flags.from ?? [] })),
    );
}
