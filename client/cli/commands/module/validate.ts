/** `slipstream module validate FILE|DIR`: the server's rules, offline, over local module files. */
import type { Command } from 'commander';
import { readModuleFiles } from '../../../module-files/read.js';
import { isValidFile, validateModuleFiles } from '../../../module-files/validate-files.js';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { printJson } from '../../output.js';
import { formatFileProblems } from '../../views/module-files.js';

/** Options of `module validate`. */
export interface ModuleValidateOptions extends OutputOptions {
  /** A module file, or a directory searched recursively for `.yaml` / `.yml`. */
  target: string;
}

/**
 * Validates every file without contacting a controller; references between
 * the files are checked, others are left to the server. Exit 1 when any file
 * is invalid.
 */
export function run(deps: CliDeps, opts: ModuleValidateOptions): Promise<number> {
  return guarded(deps, async () => {
    const results = await validateModuleFiles(await readModuleFiles(opts.target));
    if (results.length === 0) {
      deps.stderr.write(`error: no module files (.yaml, .yml) in ${opts.target}\n`);
      return ExitCode.failed;
    }
    const invalid = results.filter((r) => !isValidFile(r));
    if (opts.output === 'json') {
      printJson(
        deps,
        results.map((r) => ({
          file: r.file,
          path: r.document?.path,
          valid: isValidFile(r),
          violations: r.violations,
          syntaxError: r.syntaxError,
        })),
      );
    } else {
      deps.stderr.write(formatFileProblems(invalid));
      deps.stderr.write(`${results.length - invalid.length} of ${results.length} module file(s) valid\n`);
    }
    return invalid.length === 0 ? ExitCode.ok : ExitCode.failed;
  });
}

/** Registers `module validate`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('validate')
    .description('validate module files offline with the server\'s rules')
    .argument('<file-or-dir>', 'a module file, or a directory of them')
    .action((target: string, _flags: unknown, command: Command) =>
      host.invoke(command, run, (g) => ({ output: g.output, target })),
    );
}
