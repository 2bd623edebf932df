# bash completion for cavity(1): commands, models (from `cavity list`), their parameters and
# choices (from `cavity help MODEL`), options, and file names for stores and figures.
# Installed as share/bash-completion/completions/cavity; source it to try it from a checkout.
_cavity() {
    local cur prev cmd model i
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD - 1]}
    local prog=${COMP_WORDS[0]}
    if [ "$COMP_CWORD" -eq 1 ]; then
        local quantities
        quantities=$("$prog" list 2>/dev/null | awk '{print $1}' | while read -r m; do
            "$prog" help "$m" 2>/dev/null | sed -n 's/^  cavity \([^ ]*\) .*/\1/p'; done | sort -u)
        COMPREPLY=($(compgen -W "list help theory simulate compare plot export $quantities --help --version" -- "$cur"))
        return
    fi
    cmd=${COMP_WORDS[1]}
    case "$cmd" in
        list) return ;;
        export)
            if [ "$COMP_CWORD" -eq 2 ]; then COMPREPLY=($(compgen -f -- "$cur")); return; fi
            case "$prev" in --format) COMPREPLY=($(compgen -W "csv json" -- "$cur")) ;;
                *) COMPREPLY=($(compgen -W "--format" -- "$cur")) ;; esac
            return ;;
        plot)
            if [ "$COMP_CWORD" -eq 2 ]; then COMPREPLY=($(compgen -f -- "$cur")); return; fi
            case "$prev" in
                --model) COMPREPLY=($(compgen -W "$("$prog" list 2>/dev/null | awk '{print $1}')" -- "$cur")) ;;
                -o) COMPREPLY=($(compgen -f -- "$cur")) ;;
                *) COMPREPLY=($(compgen -W "--model --x --y --by --heat --marks --where -o" -- "$cur")) ;;
            esac
            return ;;
    esac
    if [ "$COMP_CWORD" -eq 2 ]; then
        COMPREPLY=($(compgen -W "$("$prog" list 2>/dev/null | awk '{print $1}')" -- "$cur"))
        return
    fi
    model=${COMP_WORDS[2]}
    [ "$cmd" = help ] && return
    case "$prev" in
        --store|-o) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --format) COMPREPLY=($(compgen -W "csv json" -- "$cur")); return ;;
        --jobs|--seeds|--seed|--max-memory|--theory-grid|--sim-grid|--x|--y|--by|--heat|--marks) return ;;
        --*)
            # A model parameter: its choices, if it has any.
            local line
            line=$("$prog" help "$model" 2>/dev/null | grep -E "^  $prev ")
            case "$line" in
                *"one of: "*)
                    local choices=${line##*one of: }
                    choices=${choices%% \[*}
                    COMPREPLY=($(compgen -W "${choices//,/}" -- "$cur")) ;;
            esac
            return ;;
    esac
    local params opts
    params=$("$prog" help "$model" 2>/dev/null | sed -n 's/^  \(--[a-zA-Z0-9_]*\) .*/\1/p')
    case "$cmd" in
        theory) opts="--jobs --store --no-store --recompute --format --progress --max-memory --help" ;;
        simulate) opts="--seeds --seed --jobs --store --no-store --recompute --format --progress --max-memory --help" ;;
        compare) opts="--seeds --seed --x --theory-grid --sim-grid --y --by --heat --marks -o --jobs --store --no-store --recompute --format --progress --max-memory --help" ;;
        *) opts="" ;;
    esac
    COMPREPLY=($(compgen -W "$params $opts" -- "$cur"))
}
complete -F _cavity cavity
