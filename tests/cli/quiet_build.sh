#!/bin/bash
# make demo's build step (scripts/quiet_build.sh) prints one line, not make's pages; on a
# failure it says FAILED, shows the compiler's error and exits 1. Run on a one-file project.
set -uo pipefail
: "${SRCDIR:?}"
W=$(mktemp -d "${TMPDIR:-/tmp}/mqttids-qb.XXXXXX")
trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
mkdir -p "$W/src"
printf 'cmake_minimum_required(VERSION 3.20)\nproject(t C)\nadd_executable(t t.c)\nadd_executable(u u.c)\n' >"$W/src/CMakeLists.txt"
echo 'int main(void) { return 0; }' >"$W/src/t.c"
echo 'int main(void) { return 0; }' >"$W/src/u.c"
QUIET_BUILD_SRC="$W/src" bash "$SRCDIR/scripts/quiet_build.sh" "$W/b" 2 >"$W/out" 2>"$W/err" || fail "build failed: $(cat "$W/err")"
[[ $(wc -l <"$W/out") == 1 && ! -s $W/err ]] || fail "not one line: $(cat "$W/out" "$W/err")"
grep -q "^building mqttids in $W/b (log: $W/b/build.log) ... done" "$W/out" || fail "$(cat "$W/out")"
grep -q "Built target u" "$W/b/build.log" || fail "the log lacks make's lines"
echo 'int main(void) { return undeclared_name; }' >"$W/src/u.c"
rc=0
QUIET_BUILD_SRC="$W/src" bash "$SRCDIR/scripts/quiet_build.sh" "$W/b" 2 >"$W/out" 2>"$W/err" || rc=$?
[[ $rc == 1 ]] || fail "a broken build exited $rc"
grep -q "FAILED" "$W/out" && grep -q "undeclared_name" "$W/err" || fail "failure not shown: $(cat "$W/out" "$W/err")"
echo PASS
