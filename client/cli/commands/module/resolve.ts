/** `slipstream module resolve REF`: the pinned plan a run of it would execute. */
import type { Command } from 'commander';
import { toReadableYaml } from '../../../module-files/to-yaml.js';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { printJson } from '../../output.js';

/** Options of `module resolve`. */
export interface ModuleResolveOptions extends OutputOptions {
  /** An application or component: `path` or `path@N`. */
  ref: string;
}

/** Prints the resolved plan as YAML (or JSON). */
export function run(deps: CliDeps, opts: ModuleResolveOptions): Promise<number> {
  return guarded(deps, async () => {
    const { plan } = await deps.connect().modules.resolve(opts.ref);
    if (opts.output === 'json') printJson(deps, plan);
    else deps.stdout.write(toReadableYaml(plan));
    return ExitCode.ok;
  });
}

/** Registers `module resolve`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('resolve')
    .description('show the pinned plan (lineage, recipes, parameters) a run would execute')
    .argument('<ref>', 'application or component: path, path@N, or path:TAG; @TENANT/... for a shared one')
    .action((ref: string, _flags: unknown, command: Command) => host.invoke(command, run, (g) => ({ output: g.output, ref })));
}
