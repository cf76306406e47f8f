# zsh -f zsh-candidates.zsh FPATH_DIR LINE
# Types LINE and then a key bound to a complete-word widget, in an interactive zsh on a pseudo-terminal with
# compinit and FPATH_DIR on $fpath, and prints each candidate zsh's completion system was given (one a line),
# once the widget reports it is done; exits 1 when it does not within 30 s. For the completion tests.
zmodload zsh/zpty
zpty completing zsh -f -i
zpty -w completing "PS1='> '; fpath=(${(q)1} \$fpath); autoload -Uz compinit; compinit -u -D; setopt nobeep"
# The sentinel is spelt with quotes in it so that the echo of this line does not contain it.
zpty -w completing '_report() { compadd() { local -a hits; builtin compadd -O hits "$@"; print -rl -- "" ${hits/#/CANDIDATE=}; builtin compadd "$@"; }; _main_complete; unfunction compadd; print "" END=OF=CANDI""DATES; }'
zpty -w completing "zle -C report complete-word _report; bindkey '^X' report"
zpty -w -n completing "$2"$'\C-x'
output=''
integer deadline=$(( SECONDS + 30 ))
while [[ $output != *END=OF=CANDIDATES* ]] && (( SECONDS < deadline )); do
  zpty -r -t completing chunk && output+=$chunk || sleep 0.05
done
zpty -d completing
[[ $output == *END=OF=CANDIDATES* ]] || { print -u2 -r -- "no completion within 30 s: $output"; exit 1; }
print -rl -- ${${(M)${(f)output//$'\r'/}:#CANDIDATE=*}#CANDIDATE=}
