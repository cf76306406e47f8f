/** `slipstream module get REF`: one module version, as YAML (or JSON with its metadata). */
import type { Command } from 'commander';
import { canonicalModuleDocument } from '../../../../common/modules/canonical.js';
import { moduleToYaml } from '../../../module-files/to-yaml.js';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { printJson } from '../../output.js';

/** Options of `module get`. */
export interface ModuleGetOptions extends OutputOptions {
  /** `path` (latest) or `path@N`. */
  ref: string;
}

/** Prints the module: its YAML file, or `{ document, info, latestVersion, deleted }` as JSON. */
export function run(deps: CliDeps, opts: ModuleGetOptions): Promise<number> {
  return guarded(deps, async () => {
    const module = await deps.connect().modules.get(opts.ref);
    if (opts.output === 'json') {
      const { document, info, latestVersion, deleted } = module;
      printJson(deps, { document: canonicalModuleDocument(document), info, latestVersion, deleted });
    } else {
      deps.stdout.write(moduleToYaml(module.document));
    }
    return ExitCode.ok;
  });
}

/** Registers `module get`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('get')
    .description('show a module version (YAML; --output json adds its metadata)')
    .argument('<ref>', 'module path, path@N for a version, or path:TAG for the version a tag points at; @TENANT/... for a module another tenant shares')
    .action((ref: string, _flags: unknown, command: Command) => host.invoke(command, run, (g) => ({ output: g.output, ref })));
}
