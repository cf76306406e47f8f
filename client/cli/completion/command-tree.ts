/**
 * The `slipstream` command tree as plain data for the completion scripts: read from the commander program itself,
 * so a new command, option or choice is completed without anyone touching the scripts.
 */
import type { Argument, Command, Option } from 'commander';
import { valueHintOf, type DynamicSource } from './value-hints.js';

/** What may follow an option or stand as an argument. */
export type ValueCompletion =
  /** A flag: no value follows. */
  | { readonly kind: 'none' }
  /** Free text or a path: the shell's default (file names). */
  | { readonly kind: 'any' }
  | { readonly kind: 'choices'; readonly choices: readonly string[] }
  | { readonly kind: 'dynamic'; readonly source: DynamicSource };

/** An option as the user types it. */
export interface CompletionOption {
  /** `-m` and/or `--message`. */
  readonly flags: readonly string[];
  readonly description: string;
  readonly value: ValueCompletion;
}

/** A positional argument. */
export interface CompletionArgument {
  readonly name: string;
  /** The last argument may repeat. */
  readonly variadic: boolean;
  readonly value: ValueCompletion;
}

/** One command: the program itself, a noun group or a verb. */
export interface CompletionCommand {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly description: string;
  /** The words after the program's name that lead here; [] for the program. */
  readonly path: readonly string[];
  /** Its own options, `--help` included. */
  readonly options: readonly CompletionOption[];
  /**
   * Its ancestors' options (not their `--help`): commander parses the whole line with the program's options
   * first, so `slipstream run list --output json` works.
   */
  readonly inheritedOptions: readonly CompletionOption[];
  readonly arguments: readonly CompletionArgument[];
  /** Visible subcommands, commander's implicit `help` included; hidden ones are left out. */
  readonly subcommands: readonly CompletionCommand[];
}

/** Reads the tree under `program` (its visible commands and options, as `--help` shows them). */
export function commandTree(program: Command): CompletionCommand {
  return describe(program, [], []);
}

/** Every command of the tree, parents before children. */
export function allCommands(root: CompletionCommand): CompletionCommand[] {
  return [root, ...root.subcommands.flatMap(allCommands)];
}

/** The command `path` leads to, or undefined. */
export function findCommand(root: CompletionCommand, path: readonly string[]): CompletionCommand | undefined {
  let node: CompletionCommand | undefined = root;
  for (const word of path) node = node?.subcommands.find((c) => c.name === word || c.aliases.includes(word));
  return node;
}

/** Whether an option is a flag (no value follows it). */
export function isFlag(option: CompletionOption): boolean {
  return option.value.kind === 'none';
}

function describe(command: Command, path: readonly string[], inherited: readonly CompletionOption[]): CompletionCommand {
  const help = command.createHelp();
  const helpFlags = new Set(['-h', '--help']);
  const options = help.visibleOptions(command).map(describeOption);
  const passedDown = [...inherited, ...options.filter((o) => !o.flags.some((f) => helpFlags.has(f)))];
  return {
    name: command.name(),
    aliases: command.aliases(),
    description: command.description(),
    path,
    options,
    inheritedOptions: inherited,
    arguments: command.registeredArguments.map(describeArgument),
    subcommands: help.visibleCommands(command).map((sub) => describe(sub, [...path, sub.name()], passedDown)),
  };
}

function describeOption(option: Option): CompletionOption {
  const flags = [option.short, option.long].filter((f): f is string => f !== undefined);
  // An optional value (`--x [v]`) may be followed by an argument instead, so it completes like a flag.
  const value: ValueCompletion = option.required ? valueOf(option, option.argChoices) : { kind: 'none' };
  return { flags, description: option.description, value };
}

function describeArgument(argument: Argument): CompletionArgument {
  return { name: argument.name(), variadic: argument.variadic, value: valueOf(argument, argument.argChoices) };
}

function valueOf(target: Argument | Option, choices: readonly string[] | undefined): ValueCompletion {
  const hint = valueHintOf(target);
  if (hint && 'source' in hint) return { kind: 'dynamic', source: hint.source };
  const words = hint?.choices ?? choices;
  return words ? { kind: 'choices', choices: words } : { kind: 'any' };
}
