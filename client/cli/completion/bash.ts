/** The bash completion script, generated from the command tree. */
import { arm, caseFunction, subcommandTable, valueTables } from './case-tables.js';
import { allCommands, type CompletionCommand } from './command-tree.js';
import { header, pathKey, shQuote, subcommandWords } from './script-parts.js';

/** A script that defines `_slipstream` and registers it for `slipstream`; source it or drop it in bash-completion's folder. */
export function bashScript(root: CompletionCommand, version: string): string {
  const commands = allCommands(root);
  return [header('#', 'bash', version), '', ...tables(commands), RUNTIME, ''].join('\n');
}

function tables(commands: readonly CompletionCommand[]): string[] {
  return [
    ...subcommandTable(commands),
    '# _slipstream_subcommands PATH: REPLY = the subcommands offered after PATH; fails when it has none.',
    ...caseFunction(
      '_slipstream_subcommands',
      '"$1"',
      commands.filter((c) => c.subcommands.length > 0).map((c) => arm(pathKey(c), `REPLY=${shQuote(subcommandWords(c).map((s) => s.word).join(' '))}`)),
      'return 1',
    ),
    '# _slipstream_options PATH: REPLY = the options accepted after PATH, its ancestors\' included.',
    ...caseFunction(
      '_slipstream_options',
      '"$1"',
      commands.map((c) => arm(pathKey(c), `REPLY=${shQuote([...c.options, ...c.inheritedOptions].flatMap((o) => o.flags).join(' '))}`)),
      "REPLY=''",
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

# _slipstream_reply PREFIX WORD...: COMPREPLY = the WORDs starting with PREFIX.
_slipstream_reply() {
  local prefix=$1 word
  shift
  COMPREPLY=()
  for word in "$@"; do
    [[ $word == "$prefix"* ]] && COMPREPLY+=("$word")
  done
}

# _slipstream_values VALUE PREFIX: completes an encoded value (choices, or names slipstream looks up);
# 'any' leaves COMPREPLY empty, so bash falls back to file names (complete -o default).
_slipstream_values() {
  local -a words=()
  case $1 in
    choices\\ *) read -ra words <<< "\${1#choices }" ;;
    dynamic\\ *) mapfile -t words < <("\${COMP_WORDS[0]}" __complete "\${1#dynamic }" 2> /dev/null) ;;
    *) return 0 ;;
  esac
  _slipstream_reply "$2" "\${words[@]}"
}

_slipstream() {
  local cur=\${COMP_WORDS[COMP_CWORD]} cmd_path='' pending='' operands_only='' positional=0 word prev i
  local -a offered
  COMPREPLY=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=\${COMP_WORDS[i]}
    prev=\${COMP_WORDS[i - 1]}
    # Bash splits words at '=' and ':' (COMP_WORDBREAKS), so --flag=value and node:key arrive in pieces:
    # the separators and what follows them belong to the word before.
    if [[ $word == [=:] ]]; then
      [[ $word == = && $prev == -* ]] && pending=''
      continue
    fi
    if ((i > 1)) && [[ $prev == [=:] ]]; then continue; fi
    if [[ -n $pending ]]; then
      pending=''
      continue
    fi
    if [[ -z $operands_only ]]; then
      case $word in
        --) operands_only=1; continue ;;
        --* | -?) _slipstream_option_value "$cmd_path" "$word" && pending=$word; continue ;;
        -*) continue ;;
      esac
    fi
    if ((positional == 0)) && _slipstream_subcommand "$cmd_path" "$word"; then
      cmd_path=$REPLY
      continue
    fi
    positional=$((positional + 1))
  done

  if [[ -n $pending ]]; then
    _slipstream_option_value "$cmd_path" "$pending" && _slipstream_values "$REPLY" "$cur"
    return 0
  fi
  if ((COMP_CWORD > 2)) && [[ \${COMP_WORDS[COMP_CWORD - 1]} == = && \${COMP_WORDS[COMP_CWORD - 2]} == --* ]]; then
    _slipstream_option_value "$cmd_path" "\${COMP_WORDS[COMP_CWORD - 2]}" && _slipstream_values "$REPLY" "$cur"
    return 0
  fi
  # Right after '=' or ':', or inside node:key: free text.
  if [[ $cur == [=:] ]] || { ((COMP_CWORD > 1)) && [[ \${COMP_WORDS[COMP_CWORD - 1]} == [=:] ]]; }; then
    return 0
  fi
  if [[ -z $operands_only && $cur == -* ]]; then
    _slipstream_options "$cmd_path"
    read -ra offered <<< "$REPLY"
    _slipstream_reply "$cur" "\${offered[@]}"
    return 0
  fi
  if ((positional == 0)) && _slipstream_subcommands "$cmd_path"; then
    read -ra offered <<< "$REPLY"
    _slipstream_reply "$cur" "\${offered[@]}"
    return 0
  fi
  _slipstream_argument "$cmd_path" "$positional"
  _slipstream_values "$REPLY" "$cur"
}

complete -o default -F _slipstream slipstream`;
