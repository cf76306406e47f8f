/** The fish completion script, generated from the command tree: subcommands and options with their descriptions. */
import { allCommands, isFlag, type CompletionCommand, type CompletionOption } from './command-tree.js';
import { encodeValue, fishQuote, header, hintedArguments, oneLine, pathKey, subcommandWords } from './script-parts.js';

/** A script for ~/.config/fish/completions/slipstream.fish (or to source). */
export function fishScript(root: CompletionCommand, version: string): string {
  const commands = allCommands(root);
  return [header('#', 'fish', version), '', ...tables(commands), RUNTIME, ''].join('\n');
}

/** `name<TAB>description` lines, as fish shows candidates. */
function describedLines(entries: ReadonlyArray<readonly [string, string]>): string {
  return `printf '%s\\t%s\\n' ${entries.map(([name, description]) => `${fishQuote(name)} ${fishQuote(oneLine(description))}`).join(' ')}`;
}

function optionEntries(options: readonly CompletionOption[]): Array<[string, string]> {
  return options.flatMap((o) => o.flags.map((flag): [string, string] => [flag, o.description]));
}

function tables(commands: readonly CompletionCommand[]): string[] {
  return [
    '# __slipstream_subcommand PATH WORD: prints the path WORD leads to from PATH; fails when WORD is no subcommand.',
    ...switchFunction(
      '__slipstream_subcommand',
      ['cmd_path', 'word'],
      '"$cmd_path|$word"',
      commands.flatMap((c) => subcommandWords(c).map(({ word, target }): Arm => [`${pathKey(c)}|${word}`, `echo ${fishQuote(pathKey(target))}`])),
      'return 1',
    ),
    '# __slipstream_subcommands PATH: prints the subcommands after PATH with their descriptions; fails when it has none.',
    ...switchFunction(
      '__slipstream_subcommands',
      ['cmd_path'],
      '"$cmd_path"',
      commands
        .filter((c) => c.subcommands.length > 0)
        .map((c): Arm => [pathKey(c), describedLines(subcommandWords(c).map(({ word, target }) => [word, target.description] as const))]),
      'return 1',
    ),
    "# __slipstream_options PATH: prints the options accepted after PATH, its ancestors' included, with their descriptions.",
    ...switchFunction(
      '__slipstream_options',
      ['cmd_path'],
      '"$cmd_path"',
      commands.map((c): Arm => [pathKey(c), describedLines(optionEntries([...c.options, ...c.inheritedOptions]))]),
      'return 0',
    ),
    "# __slipstream_own_option_value PATH OPTION: prints what follows OPTION declared on PATH; fails for flags and others' options.",
    ...switchFunction(
      '__slipstream_own_option_value',
      ['cmd_path', 'option'],
      '"$cmd_path|$option"',
      commands.flatMap((c) =>
        c.options.filter((o) => !isFlag(o)).flatMap((o) => o.flags.map((flag): Arm => [`${pathKey(c)}|${flag}`, `echo ${fishQuote(encodeValue(o.value))}`])),
      ),
      'return 1',
    ),
    '# __slipstream_argument PATH N: prints what the Nth argument (from 0) of PATH takes.',
    ...switchFunction(
      '__slipstream_argument',
      ['cmd_path', 'index'],
      '"$cmd_path"',
      commands.flatMap((c) => {
        const hinted = hintedArguments(c);
        if (hinted.length === 0) return [];
        const tests = hinted.map(
          (a) => `if test $index -${a.variadic ? 'ge' : 'eq'} ${a.index}; echo ${fishQuote(a.value)}; return; end;`,
        );
        return [[pathKey(c), `${tests.join(' ')} echo any`] as Arm];
      }),
      'echo any',
    ),
  ];
}

type Arm = readonly [key: string, body: string];

function switchFunction(name: string, parameters: readonly string[], subject: string, arms: readonly Arm[], otherwise: string): string[] {
  return [
    `function ${name} --argument-names ${parameters.join(' ')}`,
    `    switch ${subject}`,
    ...arms.flatMap(([key, body]) => [`        case ${fishQuote(key)}`, `            ${body}`]),
    "        case '*'",
    `            ${otherwise}`,
    '    end',
    'end',
    '',
  ];
}

/** The walk over the words typed so far; the same for every program tree. */
const RUNTIME = `# __slipstream_option_value PATH OPTION: like __slipstream_own_option_value, looking at PATH's ancestors too.
function __slipstream_option_value --argument-names cmd_path option
    set -l p "$cmd_path"
    while true
        __slipstream_own_option_value "$p" "$option"; and return 0
        test -z "$p"; and return 1
        set p (string replace -r ' ?[^ ]*$' '' -- "$p")
    end
end

# __slipstream_spot: what the word under the cursor may be: 'subcommands PATH', 'options PATH', or an encoded
# value, preceded by '--option=' when the value is typed in the same word as its option.
function __slipstream_spot
    set -l cmd_path ''
    set -l pending ''
    set -l operands_only ''
    set -l positional 0
    for word in (commandline -opc)[2..-1]
        if test -n "$pending"
            set pending ''
            continue
        end
        if test -z "$operands_only"
            if test "$word" = --
                set operands_only 1
                continue
            else if string match -qr -- '^--.*=' "$word"
                continue
            else if string match -qr -- '^(--.+|-.)$' "$word"
                __slipstream_option_value "$cmd_path" "$word" >/dev/null; and set pending "$word"
                continue
            else if string match -q -- '-*' "$word"
                continue
            end
        end
        if test $positional -eq 0
            set -l sub (__slipstream_subcommand "$cmd_path" "$word")
            if test (count $sub) -gt 0
                set cmd_path $sub
                continue
            end
        end
        set positional (math $positional + 1)
    end

    set -l cur (commandline -ct)
    if test -n "$pending"
        __slipstream_option_value "$cmd_path" "$pending"
    else if test -z "$operands_only"; and string match -qr -- '^--.*=' "$cur"
        set -l option (string split -m1 = -- "$cur")[1]
        set -l value (__slipstream_option_value "$cmd_path" "$option"); or return
        echo "$option= $value"
    else if test -z "$operands_only"; and string match -q -- '-*' "$cur"
        echo "options $cmd_path"
    else if test $positional -eq 0; and __slipstream_subcommands "$cmd_path" >/dev/null
        echo "subcommands $cmd_path"
    else
        __slipstream_argument "$cmd_path" $positional
    end
end

# __slipstream_complete: the candidates for the word under the cursor.
function __slipstream_complete
    set -l spot (string split ' ' -- (__slipstream_spot))
    set -l prefix ''
    if string match -q -- '*=' "$spot[1]"
        set prefix $spot[1]
        set -e spot[1]
    end
    switch "$spot[1]"
        case subcommands
            __slipstream_subcommands (string join ' ' -- $spot[2..-1])
        case options
            __slipstream_options (string join ' ' -- $spot[2..-1])
        case choices
            for choice in $spot[2..-1]
                echo "$prefix$choice"
            end
        case dynamic
            set -l program (commandline -opc)[1]
            for name in ($program __complete $spot[2] 2>/dev/null)
                echo "$prefix$name"
            end
    end
end

# __slipstream_wants_files: the word under the cursor is free text or a path.
function __slipstream_wants_files
    test "$(__slipstream_spot)" = any
end

complete -c slipstream -e
complete -c slipstream -f -a '(__slipstream_complete)'
complete -c slipstream -n __slipstream_wants_files -F`;
