#!/bin/bash
# A model's id names what it computes: identical trainings on 1 and 2 threads, a second
# apart, get one id (their files differ only in date and training time); another seed gets
# another id; a loaded model (eval) reports the id training printed.
set -euo pipefail
: "${MQTTIDS:?}" "${SRCDIR:?}"
W=$(mktemp -d "${TMPDIR:-/tmp}/mqttids-modelid.XXXXXX")
trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
D="$SRCDIR/data/lab/test.csv.gz"
id() { /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["model"]["id"])'; }
for m in rf lr nn; do
  p=(); [[ $m == nn ]] && p=(--param epochs=2); [[ $m == rf ]] && p=(--param numTrees=4)
  a=$("$MQTTIDS" train --json --threads 1 --seed 5 --model $m "${p[@]}" --train "$D" -o "$W/a.model" 2>/dev/null | id)
  sleep 1.1
  b=$("$MQTTIDS" train --json --threads 2 --seed 5 --model $m "${p[@]}" --train "$D" -o "$W/b.model" 2>/dev/null | id)
  c=$("$MQTTIDS" train --json --threads 1 --seed 6 --model $m "${p[@]}" --train "$D" -o "$W/c.model" 2>/dev/null | id)
  [[ $a == "$b" ]] || fail "$m: 1 thread $a, 2 threads $b"
  if [[ $m != lr ]]; then [[ $a != "$c" ]] || fail "$m: seeds 5 and 6 give one id $a"; fi
  cmp -s "$W/a.model" "$W/b.model" && fail "$m: the files are identical: the test would not see date/time"
  e=$("$MQTTIDS" eval --json --model "$W/a.model" --test "$D" 2>/dev/null | /usr/bin/python3 -c '
import json, sys; d = json.load(sys.stdin); print(d["model"]["id"] if "model" in d else d["model_id"])')
  [[ $e == "$a" ]] || fail "$m: eval says $e, train said $a"
  echo "ok: $m $a (1 and 2 threads), seed 6: $c"
done
echo PASS
