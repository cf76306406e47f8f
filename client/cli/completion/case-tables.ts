/**
 * The case-statement tables that the bash and zsh scripts share: both shells take `(pattern) body ;;` arms (the
 * opening parenthesis is optional in bash and needed inside zsh's `$( )`), so one form serves both.
 */
import { isFlag, type CompletionCommand } from './command-tree.js';
import { encodeValue, hintedArguments, pathKey, shQuote, subcommandWords } from './script-parts.js';

export function arm(key: string, body: string): string {
  return `    (${shQuote(key)}) ${body} ;;`;
}

export function caseFunction(name: string, subject: string, arms: readonly string[], otherwise: string): string[] {
  return [`${name}() {`, `  case ${subject} in`, ...arms, `    (*) ${otherwise} ;;`, '  esac', '}', ''];
}

/** `_slipstream_subcommand PATH WORD`: the path a subcommand word leads to. */
export function subcommandTable(commands: readonly CompletionCommand[]): string[] {
  return [
    '# _slipstream_subcommand PATH WORD: REPLY = the path WORD leads to from PATH; fails when WORD is no subcommand.',
    ...caseFunction(
      '_slipstream_subcommand',
      '"$1|$2"',
      commands.flatMap((c) => subcommandWords(c).map(({ word, target }) => arm(`${pathKey(c)}|${word}`, `REPLY=${shQuote(pathKey(target))}`))),
      'return 1',
    ),
  ];
}

/** `_slipstream_own_option_value PATH OPTION` and `_slipstream_argument PATH N`: what a value or an argument takes. */
export function valueTables(commands: readonly CompletionCommand[]): string[] {
  return [
    "# _slipstream_own_option_value PATH OPTION: REPLY = what follows OPTION declared on PATH; fails for flags and others' options.",
    ...caseFunction(
      '_slipstream_own_option_value',
      '"$1|$2"',
      commands.flatMap((c) =>
        c.options.filter((o) => !isFlag(o)).flatMap((o) => o.flags.map((flag) => arm(`${pathKey(c)}|${flag}`, `REPLY=${shQuote(encodeValue(o.value))}`))),
      ),
      'return 1',
    ),
    '# _slipstream_argument PATH N: REPLY = what the Nth argument (from 0) of PATH takes.',
    ...caseFunction(
      '_slipstream_argument',
      '"$1"',
      commands.flatMap((c) => {
        const hinted = hintedArguments(c);
        if (hinted.length === 0) return [];
        const inner = hinted.map((a) =>
          a.variadic
            ? `(*) if (($2 >= ${a.index})); then REPLY=${shQuote(a.value)}; else REPLY=any; fi ;;`
            : `(${a.index}) REPLY=${shQuote(a.value)} ;;`,
        );
        if (!hinted.some((a) => a.variadic)) inner.push('(*) REPLY=any ;;');
        return [arm(pathKey(c), `case $2 in ${inner.join(' ')} esac`)];
      }),
      'REPLY=any',
    ),
  ];
}
