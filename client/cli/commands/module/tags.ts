/** `slipstream module tags PATH [--history [TAG]]`: a module's tags, or every move of them. */
import type { Command } from 'commander';
import type { ModuleTag, ModuleTagChange } from '../../../../common/modules/tags.js';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { formatTime, printRows, type Column } from '../../output.js';

/** Options of `module tags`. */
export interface ModuleTagsOptions extends OutputOptions {
  path: string;
  /** The history instead of the current tags: `true` for every tag's, a name for one tag's. */
  history?: boolean | string;
}

const TAG_COLUMNS: Column<ModuleTag>[] = [
  { header: 'tag', value: (t) => t.name },
  { header: 'version', value: (t) => `@${t.version}` },
  { header: 'set by', value: (t) => t.setBy },
  { header: 'set at', value: (t) => formatTime(t.setAt) },
];

const at = (version: number | undefined): string => (version === undefined ? '-' : `@${version}`);

const HISTORY_COLUMNS: Column<ModuleTagChange>[] = [
  { header: 'time', value: (c) => formatTime(c.time) },
  { header: 'tag', value: (c) => c.tag },
  { header: 'from', value: (c) => at(c.oldVersion) },
  { header: 'to', value: (c) => at(c.newVersion) },
  { header: 'actor', value: (c) => c.actor },
  { header: 'message', value: (c) => c.message },
];

/** Lists the current tags by name, or the history newest first (all pages). */
export function run(deps: CliDeps, opts: ModuleTagsOptions): Promise<number> {
  return guarded(deps, async () => {
    const modules = deps.connect().modules;
    if (opts.history === undefined || opts.history === false) {
      printRows(deps, opts.output, TAG_COLUMNS, await modules.tags(opts.path));
    } else {
      const changes = await modules.tagHistory(opts.path, typeof opts.history === 'string' ? opts.history : undefined);
      printRows(deps, opts.output, HISTORY_COLUMNS, changes);
    }
    return ExitCode.ok;
  });
}

/** Registers `module tags`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('tags')
    .description("list a module's tags and the versions they point at, or with --history every move of them")
    .argument('<path>', 'module path')
    .option('--history [tag]', 'every move of the tags (of one tag when named), newest first')
    .action((path: string, flags: { history?: boolean | string }, command: Command) =>
      host.invoke(command, run, (g) => ({ output: g.output, path, ...(flags.history !== undefined && { history: flags.history }) })),
    );
}
