/**
 * What a shell should offer for an argument or option value that the command tree does not spell out: a parser
 * that only accepts some words (so commander knows no `choices`), or names only the CLI's config knows.
 * The hint sits where the argument or option is declared, so it goes wherever the declaration goes.
 */
import type { Argument, Option } from 'commander';

/** Values looked up when the user presses TAB, by running `slipstream __complete SOURCE`. */
export const DYNAMIC_SOURCES = ['contexts'] as const;
export type DynamicSource = (typeof DYNAMIC_SOURCES)[number];

/** Fixed words, or a source asked at completion time. */
export type ValueHint = { readonly choices: readonly string[] } | { readonly source: DynamicSource };

const hints = new WeakMap<Argument | Option, ValueHint>();

/** Attaches `hint` to an argument or option being declared; returns it for chaining into addArgument/addOption. */
export function completeWith<T extends Argument | Option>(target: T, hint: ValueHint): T {
  hints.set(target, hint);
  return target;
}

/** The hint attached by `completeWith`, if any. */
export function valueHintOf(target: Argument | Option): ValueHint | undefined {
  return hints.get(target);
}
