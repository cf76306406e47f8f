/** `slipstream module push FILE|DIR [-m MESSAGE]`: saves local module files as new versions. */
import type { Command } from 'commander';
import { pushOrder } from '../../../module-files/push-order.js';
import { readModuleFiles } from '../../../module-files/read.js';
import { isValidFile, validateModuleFiles } from '../../../module-files/validate-files.js';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { reportError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { printJson } from '../../output.js';
import { formatFileProblems } from '../../views/module-files.js';

/** Options of `module push`. */
export interface ModulePushOptions extends OutputOptions {
  /** A module file, or a directory searched recursively for `.yaml` / `.yml`. */
  target: string;
  /** Commit message of every version created. */
  message?: string;
}

/** One saved module. */
interface PushedModule {
  file: string;
  path: string;
  version: number;
  created: boolean;
}

/**
 * Validates every file offline first and pushes nothing if any is invalid;
 * then saves in dependency order (parents and node components first). Files
 * whose content equals the latest version create nothing (`unchanged`).
 */
export function run(deps: CliDeps, opts: ModulePushOptions): Promise<number> {
  return guarded(deps, async () => {
    const results = await validateModuleFiles(await readModuleFiles(opts.target));
    if (results.length === 0) {
      deps.stderr.write(`error: no module files (.yaml, .yml) in ${opts.target}\n`);
      return ExitCode.failed;
    }
    const invalid = results.filter((r) => !isValidFile(r));
    if (invalid.length > 0) {
      deps.stderr.write(formatFileProblems(invalid));
      deps.stderr.write(`nothing pushed: ${invalid.length} of ${results.length} module file(s) invalid\n`);
      return ExitCode.failed;
    }
    const client = deps.connect();
    const pushed: PushedModule[] = [];
    for (const { file, document } of pushOrder(results.filter(isValidFile))) {
      try {
        const saved = await client.modules.save(document, { message: opts.message });
        const entry = { file, path: document.path, version: saved.module.info.version, created: saved.created };
        pushed.push(entry);
        if (opts.output !== 'json') deps.stdout.write(`${entry.created ? 'created' : 'unchanged'} ${entry.path}@${entry.version}\n`);
      } catch (error) {
        deps.stderr.write(`${file}: ${document.path} not saved (${pushed.length} of ${results.length} module(s) pushed before it)\n`);
        if (opts.output === 'json') printJson(deps, pushed);
        return reportError(deps, error);
      }
    }
    if (opts.output === 'json') printJson(deps, pushed);
    return ExitCode.ok;
  });
}

/** Registers `module push`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('push')
    .description('validate module files, then save each changed one as a new version')
    .argument('<file-or-dir>', 'a module file, or a directory of them')
    .option('-m, --message <text>', 'commit message of the new versions')
    .action((target: string, flags: { message?: string }, command: Command) =>
      host.invoke(command, run, (g) => ({ output: g.output, target, message: flags.message })),
    );
}
