#!/usr/bin/env bash
# mqttids train/eval/predict/watch with --model gbt (see gbt.cmake).
. "$(dirname "$0")/heads_split.sh"   # ok, pass/fail, work dir T; TR, TE: the heads split 70/30
P=$SHARED/pcap_l-laura
M=$MQTTIDS

"$M" train --help | grep -q "gbt: numRounds=100 learningRate=0.3"; ok test $? -eq 0
"$M" train -q --model gbt --param eta=2 "${TR[@]}" -o "$T/x" 2> "$T/err"; ok test $? -eq 2
ok grep -q "eta=2" "$T/err"
# early stopping on the --test rows: fewer rounds kept than asked for
"$M" train -q --json --model gbt --param numRounds=400 --param earlyStoppingRounds=10 "${TR[@]}" "${TE[@]}" \
  -o "$T/es.model" > "$T/es.json"; ok test $? -eq 0
/usr/bin/python3 - "$T/es.json" <<'PY'; ok test $? -eq 0
import json, re, sys
j = json.load(open(sys.argv[1]))
m = j["model"]
assert m["kind"] == "gbt", m["kind"]
r = int(re.search(r"rounds=(\d+)", m["fitted"]).group(1))
assert 1 <= r < 400, m["fitted"]
print("early stopping kept", r, "rounds")
PY
# default model, eval and predict agree
"$M" train -q --model gbt "${TR[@]}" -o "$T/g.model"; ok test $? -eq 0
"$M" eval -q --json --model "$T/g.model" "${TE[@]}" > "$T/eval.json"; ok test $? -eq 0
"$M" predict -q --model "$T/g.model" -o "$T/pred.csv" "${TE[@]}"; ok test $? -eq 0
/usr/bin/python3 - "$T" <<'PY'; ok test $? -eq 0
import csv, json, sys
T = sys.argv[1]
ev = json.load(open(T + "/eval.json"))
rows = list(csv.DictReader(open(T + "/pred.csv")))
acc = sum(r["predicted"] == r["target"] for r in rows) / len(rows)
assert ev["metrics"]["rows"] == len(rows), (ev["metrics"]["rows"], len(rows))
e = ev["metrics"]["accuracy"]
assert abs(acc - e) < 1e-9, (acc, e)
assert e > 0.75, e   # rf (maxDepth 10) gives about 0.72 on these rows, the majority class 0.30
for r in rows[:500]:
    s = sum(float(v) for k, v in r.items() if k.startswith("p_"))
    assert abs(s - 1) < 1e-5, s   # six significant digits each
print("gbt test accuracy %.4f (predict == eval)" % e)
PY
# grid search with CV
"$M" train -q --json --model gbt --grid maxDepth=2,4 --cv 2 --param numRounds=20 "${TR[@]}" -o "$T/grid.model" \
  > "$T/grid.json"; ok test $? -eq 0
/usr/bin/python3 -c "import json,sys; j=json.load(open(sys.argv[1])); assert 'maxDepth=' in json.dumps(j)" "$T/grid.json"
ok test $? -eq 0
# watch (one record at a time) == predict (batches) on the same capture's extracted rows
if ls "$P"/malformed-head.pcap* >/dev/null 2>&1; then
  f=$(ls "$P"/malformed-head.pcap* | head -1)
  "$M" extract -q -r "$f" -o "$T/mal.csv"; ok test $? -eq 0
  "$M" watch -q -r "$f" -m "$T/g.model" --alert-all -o "$T/mal.alerts"; ok test $? -eq 0
  "$M" predict -q -m "$T/g.model" "$T/mal.csv" -o "$T/mal.pred"; ok test $? -eq 0
  /usr/bin/python3 - "$T/mal.alerts" "$T/mal.pred" <<'PY'; ok test $? -eq 0
import csv, json, sys
al = [json.loads(l) for l in open(sys.argv[1])]
pr = list(csv.DictReader(open(sys.argv[2])))
assert len(al) == len(pr) > 0, (len(al), len(pr))
for a, p in zip(al, pr):
    c = a["alert"]["category"]
    assert c == p["predicted"], (c, p["predicted"])
    assert abs(a["probability"] - float(p["p_" + c])) < 2e-6, (a["probability"], p["p_" + c])
print(len(al), "packets: watch == predict")
PY
fi
echo "gbt: $pass passed, $fail failed"
[ $fail = 0 ]
