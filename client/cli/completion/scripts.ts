/** `slipstream completion SHELL`: which shells, and the script for each. */
import { bashScript } from './bash.js';
import type { CompletionCommand } from './command-tree.js';
import { fishScript } from './fish.js';
import { zshScript } from './zsh.js';

/** The shells `slipstream completion` writes scripts for. */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

const GENERATORS: Record<Shell, (root: CompletionCommand, version: string) => string> = {
  bash: bashScript,
  zsh: zshScript,
  fish: fishScript,
};

/** The completion script of `shell` for the tree under `root`, naming `version` in its header. */
export function completionScript(shell: Shell, root: CompletionCommand, version: string): string {
  return GENERATORS[shell](root, version);
}
