# bash completion for modelctl: its commands, each command's options (read from `modelctl COMMAND --help`, so they
# never go stale) and model names (read from the registry given with --registry, or the default one).

_modelctl_commands()
{
    modelctl --help 2>/dev/null | awk '/^Commands:/ {on = 1; next} on && /^  [a-z]/ {print $1} on && /^$/ {exit}'
}

_modelctl_models()
{
    # `registry` is the caller's (bash scoping): the --registry given on the command line so far.
    modelctl "${registry[@]}" models 2>/dev/null | awk 'NR > 1 && $2 != "" {print $2}'
}

_modelctl()
{
    local cur prev words cword
    if declare -F _init_completion >/dev/null; then
        _init_completion -n = || return
    else
        cur="${COMP_WORDS[COMP_CWORD]}"
        prev="${COMP_WORDS[COMP_CWORD - 1]}"
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    fi
    local i cmd="" registry=()
    for ((i = 1; i < cword; i++)); do
        case "${words[i]}" in
        --registry)
            registry=(--registry "${words[i + 1]}")
            ((i++))
            ;;
        --as) ((i++)) ;;
        -*) ;;
        *) [ -z "$cmd" ] && cmd="${words[i]}" ;;
        esac
    done
    case "$prev" in
    --registry | --manifest | --file | --secret-file | --batch)
        COMPREPLY=($(compgen -f -- "$cur"))
        return
        ;;
    --model)
        COMPREPLY=($(compgen -W "$(_modelctl_models)" -- "$cur"))
        return
        ;;
    --as | --reason | --comment | --events | --types | --after | --limit)
        return
        ;;
    esac
    if [ -z "$cmd" ]; then
        COMPREPLY=($(compgen -W "$(_modelctl_commands) --registry --json --as --help --version" -- "$cur"))
        return
    fi
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$(modelctl "$cmd" --help 2>/dev/null | grep -oE '^  (-[a-zA-Z], )?--[a-z-]+' |
            grep -oE -- '--[a-z-]+')" -- "$cur"))
        return
    fi
    # The first argument of most commands is a model name.
    COMPREPLY=($(compgen -W "$(_modelctl_models)" -- "$cur"))
}

complete -F _modelctl modelctl
