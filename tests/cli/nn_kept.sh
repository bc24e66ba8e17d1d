#!/bin/bash
# train --model nn says which epoch it kept and that epoch's validation accuracy; checked
# against the per-epoch curve it writes (the first epoch of highest validation accuracy).
set -euo pipefail
: "${MQTTIDS:?}" "${SRCDIR:?}"
W=$(mktemp -d "${TMPDIR:-/tmp}/mqttids-nnkept.XXXXXX")
trap 'rm -rf "$W"' EXIT
D="$SRCDIR/data/lab"
"$MQTTIDS" train --json --model nn --param epochs=6 --seed 3 --train "$D/train.csv.gz" --test "$D/test.csv.gz" \
  --curves "$W/c" -o "$W/nn.model" >"$W/out.json" 2>"$W/err"
/usr/bin/python3 - "$W/out.json" "$W/c.csv" "$W/err" <<'PY'
import csv, json, re, sys
out = json.load(open(sys.argv[1]))
rows = list(csv.DictReader(open(sys.argv[2])))
acc = [float(r["val_acc"]) for r in rows]
best = acc.index(max(acc)) + 1
k = out["nn_kept"]
assert k["epoch"] == best and k["epochs_run"] == len(rows) == 6, (k, best)
assert abs(k["val_acc"] - acc[best - 1]) < 1e-6, (k, acc)
line = [l for l in open(sys.argv[3]) if "nn: kept epoch" in l]
assert line and re.search(r"kept epoch %d of 6 \(best validation accuracy %.4f" % (best, acc[best - 1]), line[0]), line
print("ok:", line[0].strip())
PY
"$MQTTIDS" train --model nn --param epochs=2 --train "$D/test.csv.gz" -o "$W/nn2.model" >/dev/null 2>"$W/err2"
grep -q "nn: kept the last epoch, 2 (no validation rows" "$W/err2" || { echo "FAIL: $(cat "$W/err2")"; exit 1; }
echo PASS
