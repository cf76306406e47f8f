/** The zsh completion script, generated from the command tree: subcommands and options with their descriptions. */
import { arm, caseFunction, subcommandTable, valueTables } from './case-tables.js';
import { allCommands, type CompletionCommand, type CompletionOption } from './command-tree.js';
import { header, oneLine, pathKey, shQuote, subcommandWords } from './script-parts.js';

/**
 * A `#compdef` file: put it on $fpath as `_slipstream`, or source it after compinit (it then registers itself
 * with compdef).
 */
export function zshScript(root: CompletionCommand, version: string): string {
  const commands = allCommands(root);
  return ['#compdef slipstream', header('#', 'zsh', version), '', ...tables(commands), RUNTIME, ''].join('\n');
}

/** `name:description` for _describe, whose first unescaped colon ends the name. */
function described(name: string, description: string): string {
  return shQuote(`${name.replaceAll(':', '\\:')}:${oneLine(description)}`);
}

function optionEntries(options: readonly CompletionOption[]): string[] {
  return options.flatMap((o) => o.flags.map((flag) => described(flag, o.description)));
}

function tables(commands: readonly CompletionCommand[]): string[] {
  return [
    ...subcommandTable(commands),
    '# _slipstream_subcommands PATH: reply = name:description of the subcommands after PATH; fails when it has none.',
    ...caseFunction(
      '_slipstream_subcommands',
      '"$1"',
      commands
        .filter((c) => c.subcommands.length > 0)
        .map((c) => arm(pathKey(c), `reply=(${subcommandWords(c).map(({ word, target }) => described(word, target.description)).join(' ')})`)),
      'return 1',
    ),
    "# _slipstream_options PATH: reply = flag:description of the options accepted after PATH, its ancestors' included.",
    ...caseFunction(
      '_slipstream_options',
      '"$1"',
      commands.map((c) => arm(pathKey(c), `reply=(${optionEntries([...c.options, ...c.inheritedOptions]).join(' ')})`)),
      'reply=()',
    ),
    ...valueTables(commands),
  ];
}

/** The walk over the words typed so far; the same for every program tree. */
// A plain template: each `\${` and `\\` below is a literal `${` and `\` of the shell.
const RUNTIME = `# _slipstream_option_value PATH OPTION: like _slipstream_own_option_value, looking at PATH's ancestors too.
_slipstream_option_value() {
  local p=$1
  while :; do
    _slipstream_own_option_value "$p" "$2" && return 0
    [[ -z $p ]] && return 1
    if [[ $p == *' '* ]]; then p=\${p% *}; else p=''; fi
  done
}

# _slipstream_values VALUE: completes an encoded value (choices, or names slipstream looks up); 'any' completes files.
_slipstream_values() {
  local -a values
  local rest
  case $1 in
    (choices\\ *) rest=\${1#choices }; values=(\${=rest}) ;;
    (dynamic\\ *) values=(\${(f)"$(\${words[1]} __complete \${1#dynamic } 2> /dev/null)"}) ;;
    (*) _files; return ;;
  esac
  compadd -a values
}

_slipstream() {
  local cmd_path='' pending='' operands_only='' word i cur=\${words[CURRENT]}
  local -a reply offered
  local REPLY
  integer positional=0
  for ((i = 2; i < CURRENT; i++)); do
    word=\${words[i]}
    if [[ -n $pending ]]; then
      pending=''
      continue
    fi
    if [[ -z $operands_only ]]; then
      case $word in
        (--) operands_only=1; continue ;;
        (--*=*) continue ;;
        (--* | -?) _slipstream_option_value "$cmd_path" "$word" && pending=$word; continue ;;
        (-*) continue ;;
      esac
    fi
    if ((positional == 0)) && _slipstream_subcommand "$cmd_path" "$word"; then
      cmd_path=$REPLY
      continue
    fi
    positional+=1
  done

  if [[ -n $pending ]]; then
    _slipstream_option_value "$cmd_path" "$pending" && _slipstream_values "$REPLY"
    return
  fi
  if [[ -z $operands_only && $cur == --*=* ]]; then
    _slipstream_option_value "$cmd_path" "\${cur%%=*}" || return 1
    compset -P '*='
    _slipstream_values "$REPLY"
    return
  fi
  if [[ -z $operands_only && $cur == -* ]]; then
    _slipstream_options "$cmd_path"
    offered=("\${reply[@]}")
    _describe -t options option offered
    return
  fi
  if ((positional == 0)) && _slipstream_subcommands "$cmd_path"; then
    offered=("\${reply[@]}")
    _describe -t commands command offered
    return
  fi
  _slipstream_argument "$cmd_path" "$positional"
  _slipstream_values "$REPLY"
}

if [[ \${zsh_eval_context[-1]} == loadautofunc ]]; then
  _slipstream "$@"
else
  compdef _slipstream slipstream
fi`;
