#!/bin/bash
# stats text reads as tables: each correlation column is numbered (no two headers alike),
# the constant columns left out are named (each holds one value in the data, by Python),
# and the mean mqtt.len over train rows stands on its label's line (value recomputed).
set -euo pipefail
: "${MQTTIDS:?}" "${SRCDIR:?}"
D="$SRCDIR/data/lab"
W=$(mktemp -d "${TMPDIR:-/tmp}/mqttids-statstext.XXXXXX")
trap 'rm -rf "$W"' EXIT
"$MQTTIDS" stats --train "$D/train.csv.gz" --test "$D/test.csv.gz" >"$W/out.txt" 2>/dev/null
/usr/bin/python3 - "$W/out.txt" "$D/train.csv.gz" <<'PY'
import csv, gzip, re, sys
text = open(sys.argv[1]).read().splitlines()
i = next(k for k, l in enumerate(text) if l.startswith("Correlation matrix"))
head = text[i + 1].split()
n = len(head)
assert head == ["[%d]" % (k + 1) for k in range(n)], head
rows = [l for l in text[i + 2:i + 2 + n]]
assert all(r.strip().startswith("[%d] " % (k + 1)) for k, r in enumerate(rows)), rows
names = [r.split()[1] for r in rows]
assert len(set(names)) == n, names
const = text[i + 2 + n]
m = re.match(r"  constant, left out \((\d+)\):(.*)$", const)
assert m and int(m.group(1)) == len(m.group(2).split()), const
cols = {}
with gzip.open(sys.argv[2], "rt") as f:
    rd = csv.DictReader(f)
    for r in rd:
        for c in m.group(2).split():
            cols.setdefault(c, set()).add(r["mqtt." + c] if "mqtt." + c in r else r[c])
        cols.setdefault("__len", []).append(float(r["mqtt.len"]))
for c in m.group(2).split():
    assert len(cols[c]) == 1, (c, list(cols[c])[:5])
mean = sum(cols["__len"]) / len(cols["__len"])
line = [l for l in text if l.startswith("Mean mqtt.len over train rows:")]
assert line and abs(float(line[0].split(":")[1]) - mean) < 1e-5, (line, mean)
assert not any("left out: )" in l for l in text)
print("ok: %d numbered columns, %s constant, mean mqtt.len %.6f" % (n, m.group(1), mean))
PY
echo PASS
