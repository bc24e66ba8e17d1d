#!/usr/bin/env bash
# mqttids train/eval/predict/experiment through the tool (see models.cmake).
. "$(dirname "$0")/heads_split.sh"   # ok, pass/fail, work dir T; TR, TE: the heads split 70/30
M=$MQTTIDS

# help and usage errors
for c in train eval predict experiment; do "$M" $c --help > "$T/h"; ok test $? -eq 0; ok grep -q "Usage: mqttids $c" "$T/h"; done
"$M" train "${TR[@]}" > /dev/null 2>&1; ok test $? -eq 2                       # no -o
"$M" train --model svm "${TR[@]}" -o "$T/x" > /dev/null 2>&1; ok test $? -eq 2
"$M" train --param bogus=1 "${TR[@]}" -o "$T/x" 2> "$T/err" > /dev/null; ok test $? -eq 2
ok grep -q "bogus" "$T/err"
"$M" train --param regParam=-1 "${TR[@]}" -o "$T/x" > /dev/null 2>&1; ok test $? -eq 2
"$M" eval "${TE[@]}" > /dev/null 2>&1; ok test $? -eq 2                        # no --model
"$M" experiment -q "${TR[@]}" > /dev/null 2>&1; ok test $? -eq 2              # no test rows
ok test ! -e "$T/x"

# train, eval, predict
"$M" train -q --json --model lr --param regParam=0.01 "${TR[@]}" -o "$T/lr.model" > "$T/train.json"; ok test $? -eq 0
ok test -s "$T/lr.model"
"$M" eval -q --json --model "$T/lr.model" "${TE[@]}" > "$T/eval.json"; ok test $? -eq 0
"$M" eval -q --model "$T/lr.model" "${TE[@]}" > "$T/eval.txt"; ok test $? -eq 0
ok grep -q "confusion matrix" "$T/eval.txt"
"$M" predict -q --model "$T/lr.model" -o "$T/pred.csv" "${TE[@]}"; ok test $? -eq 0
"$M" predict -q --model "$T/lr.model" "$T/$(basename "$H"/flood*.csv .csv)_test.csv" > "$T/pred_stdout.csv"; ok test $? -eq 0
/usr/bin/python3 - "$T" <<'PY'; ok test $? -eq 0
import csv, json, sys
T = sys.argv[1]
tr, ev = json.load(open(T + "/train.json")), json.load(open(T + "/eval.json"))
rows = list(csv.DictReader(open(T + "/pred.csv")))
names = ["legitimate", "dos", "bruteforce", "malformed", "slowite", "flood"]
assert ev["model"]["id"] == tr["model"]["id"], (ev["model"]["id"], tr["model"]["id"])
assert ev["model"]["kind"] == "lr" and "regParam=0.01" in ev["model"]["params"]
m = ev["metrics"]
assert m["rows"] == len(rows), (m["rows"], len(rows))
acc = sum(r["predicted"] == r["target"] for r in rows) / len(rows)
assert abs(acc - m["accuracy"]) < 1e-12, (acc, m["accuracy"])
for r in rows:
    p = [float(r["p_" + n]) for n in names]
    assert abs(sum(p) - 1) < 1e-4 and max(range(6), key=lambda i: p[i]) == names.index(r["predicted"]), r
# per-class recall and the confusion matrix from the predictions
for i, n in enumerate(names):
    sup = [r for r in rows if r["target"] == n]
    rec = sum(r["predicted"] == n for r in sup) / len(sup) if sup else 0
    assert abs(rec - m["classes"][i]["recall"]) < 1e-12, (n, rec)
    for j, q in enumerate(names):
        assert m["confusion"]["rows_true_columns_predicted"][i][j] == sum(r["predicted"] == q for r in sup)
# features of the study's pipeline on this data
f = tr["model"]["features"]
assert f[:3] == ["tcp.time_delta", "tcp.len", "mqtt.len"] and any(x.startswith("tcp.flags=") for x in f), f
print("predict/eval agree: accuracy %.4f over %d rows" % (acc, len(rows)))
PY
ok test "$(head -1 "$T/pred_stdout.csv")" = "row,predicted,p_legitimate,p_dos,p_bruteforce,p_malformed,p_slowite,p_flood,target"

# corrupt and foreign model files: exit 1, file and offset named
cp "$T/lr.model" "$T/flip.model"
printf '\x01' | dd of="$T/flip.model" bs=1 seek=200 conv=notrunc 2> /dev/null
"$M" eval -q --model "$T/flip.model" "${TE[@]}" > /dev/null 2> "$T/err"; ok test $? -eq 1
ok grep -q "flip.model: offset [0-9]*: checksum" "$T/err"
head -c 100 "$T/lr.model" > "$T/short.model"
"$M" predict -q --model "$T/short.model" "${TE[@]}" > /dev/null 2> "$T/err"; ok test $? -eq 1
ok grep -q "short.model: offset" "$T/err"
"$M" eval -q --model "${TE[1]}" "${TE[@]}" > /dev/null 2> "$T/err"; ok test $? -eq 1
ok grep -q "not an mqttids model file" "$T/err"

# grid search with CV through train, then the experiment (LR rows, 2 folds to stay quick)
"$M" train -q --json --cv 2 --grid regParam=0.01,1 --grid 'thresholds=[1,1,1,1,1,1],[1.5,0.9,1,1,1,1]' \
  "${TR[@]}" -o "$T/grid.model" > "$T/grid.json"; ok test $? -eq 0
"$M" experiment -q --json --only lr --folds 2 "${TR[@]}" "${TE[@]}" > "$T/exp.json"; ok test $? -eq 0
/usr/bin/python3 - "$T" <<'PY'; ok test $? -eq 0
import json, sys
T = sys.argv[1]
g = json.load(open(T + "/grid.json"))
pts = g["cv"]["points"]
assert len(pts) == 4 and g["cv"]["folds"] == 2
best = max(range(4), key=lambda i: (pts[i]["mean"], -i))
assert g["cv"]["best"] == best
for kv in pts[best]["params"].split():
    assert kv in g["model"]["params"].split(), (kv, g["model"]["params"])
e = json.load(open(T + "/exp.json"))
names = [m["name"] for m in e["models"]]
assert names == ["LR baseline", "LR tuned"], names
tuned = e["models"][1]
assert len(tuned["cv"]["points"]) == 16 and tuned["study_test_accuracy"] == 0.8159
assert sum(e["stats"]["counts"]["test"].values()) == tuned["test"]["rows"]
print("experiment: LR baseline test %.4f, LR tuned test %.4f" % (e["models"][0]["test"]["accuracy"], tuned["test"]["accuracy"]))
PY
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
