/** `slipstream module tag PATH TAG @N [-m MSG]`: points a tag of a module at one of its versions. */
import type { Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { UsageError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { printJson } from '../../output.js';

/** Options of `module tag`. */
export interface ModuleTagOptions extends OutputOptions {
  path: string;
  tag: string;
  /** `@N` or `N`, as typed. */
  version: string;
  message?: string;
}

/** `@7` or `7` -> 7; UsageError for anything else (the server judges the number itself). */
export function parseTagVersion(text: string): number {
  const match = /^@?([0-9]{1,15})$/.exec(text.trim());
  if (!match) throw new UsageError(`VERSION must be a version number of the module, as @7 or 7 (got '${text}')`);
  return Number(match[1]);
}

/** Sets or moves the tag; says where it pointed before. */
export function run(deps: CliDeps, opts: ModuleTagOptions): Promise<number> {
  return guarded(deps, async () => {
    const version = parseTagVersion(opts.version);
    const result = await deps.connect().modules.setTag(opts.path, opts.tag, version, { ...(opts.message !== undefined && { message: opts.message }) });
    if (opts.output === 'json') {
      printJson(deps, result);
      return ExitCode.ok;
    }
    const before =
      result.previousVersion === undefined ? ' (new tag)' : result.previousVersion === version ? ' (unchanged)' : ` (was @${result.previousVersion})`;
    deps.stderr.write(`tagged ${opts.path}@${result.tag.version} as ${opts.path}:${result.tag.name}${before}\n`);
    return ExitCode.ok;
  });
}

/** Registers `module tag`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('tag')
    .description('point a tag of a module (stable, production, ...) at one of its versions: PATH:TAG then launches that version (editor and up)')
    .argument('<path>', 'module path')
    .argument('<tag>', "tag name: a lowercase letter, then lowercase letters, digits, '.', '_' or '-'")
    .argument('<version>', 'the version, as @N or N')
    .option('-m, --message <text>', 'why, kept in the tag history')
    .action((path: string, tag: string, version: string, flags: { message?: string }, command: Command) =>
      host.invoke(command, run, (g) => ({ output: g.output, path, tag, version, ...(flags.message !== undefined && { message: flags.message }) })),
    );
}
