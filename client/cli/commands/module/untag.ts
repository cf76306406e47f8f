/** `slipstream module untag PATH TAG [-m MSG]`: removes a tag of a module. */
import type { Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { printJson } from '../../output.js';

/** Options of `module untag`. */
export interface ModuleUntagOptions extends OutputOptions {
  path: string;
  tag: string;
  message?: string;
}

/** Removes the tag; says where it pointed. */
export function run(deps: CliDeps, opts: ModuleUntagOptions): Promise<number> {
  return guarded(deps, async () => {
    const previousVersion = await deps.connect().modules.deleteTag(opts.path, opts.tag, { ...(opts.message !== undefined && { message: opts.message }) });
    if (opts.output === 'json') printJson(deps, { tag: opts.tag, previousVersion });
    else deps.stderr.write(`removed tag ${opts.path}:${opts.tag} (was @${previousVersion})\n`);
    return ExitCode.ok;
  });
}

/** Registers `module untag`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('untag')
    .description('remove a tag of a module (editor and up); the history keeps it')
    .argument('<path>', 'module path')
    .argument('<tag>', 'tag name')
    .option('-m, --message <text>', 'why, kept in the tag history')
    .action((path: string, tag: string, flags: { message?: string }, command: Command) =>
      host.invoke(command, run, (g) => ({ output: g.output, path, tag, ...(flags.message !== undefined && { message: flags.message }) })),
    );
}
