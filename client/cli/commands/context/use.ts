/** `slipstream context use NAME`: makes a saved context the current one. */
import { Argument, type Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import { completeWith } from '../../completion/value-hints.js';
import { readConfig, writeConfig } from '../../config/file.js';
import type { CliDeps } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';

/** Options of `context use`. */
export interface ContextUseOptions {
  name: string;
}

/** Switches the current context; fails (1) for an unknown name. */
export function run(deps: CliDeps, opts: ContextUseOptions): Promise<number> {
  return guarded(deps, async () => {
    const config = readConfig(deps.configPath);
    if (config.contexts[opts.name] === undefined) {
      deps.stderr.write(`error: no context named '${opts.name}' (see: slipstream context list)\n`);
      return ExitCode.failed;
    }
    config.current = opts.name;
    await writeConfig(deps.configPath, config);
    deps.stderr.write(`now using context '${opts.name}'\n`);
    return ExitCode.ok;
  });
}

/** Registers `context use`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('use')
    .description('make a saved context the current one')
    .addArgument(completeWith(new Argument('<name>', 'context name'), { source: 'contexts' }))
    .action((name: string, _flags: unknown, command: Command) => host.invoke(command, run, () => ({ name })));
}
