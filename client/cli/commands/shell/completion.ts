/** `slipstream completion bash|zsh|fish`: prints the shell completion script, read off the command tree. */
import { Argument, type Command } from 'commander';
import { packageVersion } from '../../../../common/package-root.js';
import { guarded, type CommandHost } from '../../command-kit.js';
import { commandTree, type CompletionCommand } from '../../completion/command-tree.js';
import { completionScript, SHELLS, type Shell } from '../../completion/scripts.js';
import type { CliDeps } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';

/** Options of `completion`. */
export interface CompletionOptions {
  shell: Shell;
  /** The whole program's tree, from the root. */
  tree: CompletionCommand;
}

/** Writes the script on stdout. */
export function run(deps: CliDeps, opts: CompletionOptions): Promise<number> {
  return guarded(deps, async () => {
    deps.stdout.write(completionScript(opts.shell, opts.tree, packageVersion()));
    return ExitCode.ok;
  });
}

/** Registers `completion` (a top-level command). */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('completion')
    .description('print the completion script of a shell (bash, zsh or fish); the README says where to put it')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(SHELLS))
    .addHelpText(
      'after',
      '\nExamples:\n  slipstream completion bash > ~/.local/share/bash-completion/completions/slipstream\n' +
        '  slipstream completion zsh > ~/.zsh/completions/_slipstream   (a folder on $fpath)\n' +
        '  slipstream completion fish > ~/.config/fish/completions/slipstream.fish',
    )
    .action((shell: Shell, _flags: unknown, command: Command) =>
      host.invoke(command, run, () => ({ shell, tree: commandTree(rootOf(command)) })),
    );
}

function rootOf(command: Command): Command {
  let root = command;
  while (root.parent) root = root.parent;
  return root;
}
