#!/bin/bash
# Outputs and options are checked before any data is read: every command below is given an
# input that does not exist, so an error naming the input would show the data was read
# first. The error must name the output path (never its temporary file), exit 1 (2 for
# usage), and --svg-dir is created. report names its bad input (with the byte offset), not
# its output.
set -uo pipefail
: "${MQTTIDS:?}"
W=$(mktemp -d "${TMPDIR:-/tmp}/mqttids-early.XXXXXX")
trap 'rm -rf "$W"' EXIT
cd "$W"
fail() { echo "FAIL: $*" >&2; exit 1; }
# expect RC PATTERN CMD...: exit status RC and stderr matching PATTERN, naming no temporary file
expect() {
  local want=$1 pat=$2 rc=0
  shift 2
  "$MQTTIDS" "$@" >out.txt 2>err.txt || rc=$?
  [[ $rc == "$want" ]] || fail "$* exited $rc (want $want): $(cat err.txt)"
  grep -q -- "$pat" err.txt || fail "$*: stderr lacks '$pat': $(cat err.txt)"
  if grep -q "\.tmp\." err.txt; then fail "$*: names a temporary file: $(cat err.txt)"; fi
  if grep -q "missing.csv" err.txt; then fail "$*: read the input before checking: $(cat err.txt)"; fi
  echo "ok: $* -> $(head -1 err.txt)"
}
NO="cannot write: folder nodir: No such file or directory"
expect 1 "nodir/m.model: $NO" train --model nn --train missing.csv -o nodir/m.model
expect 1 "nodir/c.csv: $NO" train --model nn --curves nodir/c --train missing.csv -o m.model
expect 1 "nodir/r.html: $NO" experiment --nn --train missing.csv --test missing.csv --report nodir/r.html
expect 1 "nodir/c-.*: $NO\|nodir/c.csv: $NO" experiment --nn --curves nodir/c --train missing.csv --test missing.csv
expect 1 "nodir/p.csv: $NO" predict --model m.model -o nodir/p.csv missing.csv
expect 1 "nodir/x.csv: $NO" extract -r missing.csv -o nodir/x.csv
expect 1 "is a folder" train --model rf --train missing.csv -o .
expect 2 "grid 'maxDepth=': empty value" train --model rf --grid maxDepth= --train missing.csv -o m.model
expect 2 "maxDepth=abc: expected an integer" train --model rf --grid maxDepth=5,abc --train missing.csv -o m.model
expect 2 "unknown parameter 'depth'" train --model rf --grid depth=5 --train missing.csv -o m.model

# --svg-dir is made (with parents) before the data is read
rc=0
"$MQTTIDS" experiment --train missing.csv --test missing.csv --report r.html --svg-dir charts/a/b 2>err.txt || rc=$?
[[ $rc == 1 && -d charts/a/b ]] || fail "experiment --svg-dir charts/a/b: rc $rc, folder made: $([[ -d charts/a/b ]] && echo yes || echo no)"
grep -q "missing.csv" err.txt || fail "experiment: $(cat err.txt)"
echo "ok: --svg-dir made before reading"

# report: the bad input named, with the byte where JSON breaks
printf '{"models": [1, 2' >bad.json
expect 1 "bad.json: byte 16: not JSON: the text ends inside a value" report bad.json -o r.html
printf '{"models": [1, ]]}' >bad2.json
expect 1 "bad2.json: byte [0-9]*: not JSON: " report bad2.json -o r.html
echo '{"a": 1}' >shape.json
expect 1 "shape.json: not the results of 'mqttids experiment --json'" report shape.json -o r.html
[[ ! -e r.html ]] || fail "report wrote r.html from bad input"
expect 1 "nodir/r.html: $NO" report shape.json -o nodir/r.html
echo PASS
