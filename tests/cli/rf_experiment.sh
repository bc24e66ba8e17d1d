#!/usr/bin/env bash
# experiment --seeds N and its RF rows (see rf_experiment.cmake).
. "$(dirname "$0")/heads_split.sh"   # ok, pass/fail, work dir T; TR, TE: the heads split 70/30
M=$MQTTIDS
X=(experiment -q --only 'RF baseline' --folds 2 "${TR[@]}" "${TE[@]}")

"$M" "${X[@]}" --seeds 0 > /dev/null 2> "$T/err"; ok test $? -eq 2
ok grep -q -- "--seeds" "$T/err"
"$M" "${X[@]}" --seeds 2x > /dev/null 2>&1; ok test $? -eq 2
"$M" "${X[@]}" --seeds 101 > /dev/null 2>&1; ok test $? -eq 2

# three seeds from 42; then seeds 43 and 44 alone: the spread must be made of those runs
"$M" "${X[@]}" --json --seeds 3 > "$T/s3.json"; ok test $? -eq 0
"$M" "${X[@]}" --json --seed 43 > "$T/s43.json"; ok test $? -eq 0
"$M" "${X[@]}" --json --seed 44 > "$T/s44.json"; ok test $? -eq 0
"$M" "${X[@]}" --seeds 3 > "$T/s3.txt"; ok test $? -eq 0
ok grep -q "over 3 seeds (42..44" "$T/s3.txt"
ok grep -q "splits=spark" "$T/s3.txt"   # the study's rows keep Spark's split mode
/usr/bin/python3 - "$T" <<'PY'; ok test $? -eq 0
import json, statistics, sys
T = sys.argv[1]
e = json.load(open(T + "/s3.json"))
m = e["models"][0]
s = m["seeds"]
assert s["n"] == 3 and s["first"] == 42, s
acc, f1 = s["test_accuracy"]["values"], s["test_macro_f1"]["values"]
assert acc[0] == m["test"]["accuracy"] and f1[0] == m["test"]["macro_f1"]
for j, seed in ((1, 43), (2, 44)):
    o = json.load(open("%s/s%d.json" % (T, seed)))["models"][0]
    assert "seeds" not in o
    assert abs(acc[j] - o["test"]["accuracy"]) < 1e-12 and abs(f1[j] - o["test"]["macro_f1"]) < 1e-12, (j, acc, o["test"])
assert len(set(acc)) > 1, "the seeds change nothing: %s" % acc
for key, v in (("test_accuracy", acc), ("test_macro_f1", f1)):
    assert abs(s[key]["mean"] - statistics.mean(v)) < 1e-12
    assert abs(s[key]["std"] - statistics.stdev(v)) < 1e-12
print("RF baseline over seeds 42..44: accuracy %s, macro-F1 %s" % (acc, f1))
PY
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
