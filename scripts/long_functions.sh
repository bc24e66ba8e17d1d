#!/bin/sh
# long_functions.sh: list C functions longer than a limit (default 150 lines), longest first.
# Usage: scripts/long_functions.sh [LIMIT] [DIR...]   (default DIR: src)
# A function is a top-level "{" at column 1 (STYLE.md puts a function's brace there) up to the
# matching "}" at column 1; its name is taken from the nearest line above holding "name(".
# Prints "LINES FILE:LINE NAME"; exits 1 when any function is over the limit.
limit=${1:-150}
[ $# -gt 0 ] && shift
[ $# -eq 0 ] && set -- src
find "$@" -name '*.c' | sort | xargs awk -v limit="$limit" '
FNR == 1 { name = ""; start = 0 }
/^[A-Za-z_].*\(/ && start == 0 {
    s = $0; sub(/\(.*/, "", s); n = split(s, w, /[ \t*]+/); name = w[n]; nameline = FNR
}
/^\{/ && start == 0 { start = FNR; next }
/^\}/ && start > 0 {
    len = FNR - start + 1
    if (len > limit) printf "%d %s:%d %s\n", len, FILENAME, nameline, name
    start = 0
}' | sort -rn | awk '{ print } END { exit NR > 0 }'
