#!/bin/bash
# lab.transfer: the recommended detector (`train --recipe detector`) between networks (issue 13,
# docs/internals/detect.md). Environments: the six real MQTTset heads (class = capture) and two
# short lab runs (phases, and mixed with another seed and class mix). Trained on one, scored on
# another, both ways real <-> lab and lab <-> lab, per packet (macro-F1 over the classes present)
# and per TCP connection (`eval --by connection`). Floors sit under the figures measured when the
# test was written (docs/internals/detect.md). The comparison with the issue's baseline is
# bench/transfer.sh's (it moves with the lab's generators; a floor does not).
# Skips (77) when not root, without mosquitto or the shared heads. Env: MQTTIDS, SHARED.
[ "$(id -u)" = 0 ] || { echo "not root: skip"; exit 77; }
[ -x /usr/sbin/mosquitto ] || { echo "no mosquitto: skip"; exit 77; }
P=$SHARED/pcap_l-laura
[ -d "$P" ] || { echo "no shared MQTTset heads: skip"; exit 77; }
PY=/usr/bin/python3
W=$(mktemp -d) || exit 1
trap 'rm -rf "$W"' EXIT INT TERM
fail=0
bad() { echo "FAIL: $*"; fail=1; }

H=""; HTR=""; HTE=""
for x in benign:legitimate bruteforce:bruteforce flood:flood malariados:dos malformed:malformed slowite:slowite; do
    n=${x%%:*}; c=${x##*:}
    f=$(ls "$P/$n"-head.pcap* | head -1)
    "$MQTTIDS" extract -q -r "$f" --label "$c" --context --ids -o "$W/$c.csv" || { echo "extract $n failed"; exit 1; }
    rows=$(($(wc -l < "$W/$c.csv") - 1)); k=$((rows * 7 / 10))
    head -n $((k + 1)) "$W/$c.csv" > "$W/$c.train.csv"
    { head -n 1 "$W/$c.csv"; tail -n +$((k + 2)) "$W/$c.csv"; } > "$W/$c.test.csv"
    H+=" $W/$c.csv"; HTR+=" $W/$c.train.csv"; HTE+=" $W/$c.test.csv"
done
"$MQTTIDS" lab -q -d 20 --mode phases --seed 31 --context -o "$W/a" 2> "$W/lab.err" ||
    { grep -q "no libmosquitto or no libpcap" "$W/lab.err" && { echo "built without the lab: skip"; exit 77; }
      cat "$W/lab.err"; exit 1; }
"$MQTTIDS" lab -q -d 20 --mode mixed --seed 32 --mix dos=2,flood=0.5,bruteforce=0.7 --context -o "$W/b" ||
    { echo "lab run b failed"; exit 1; }

# run TAG TRAINOPTS TRAIN TEST: the summary line "TAG packet-macroF1 conn-macroF1 recall..."
run() {
    # shellcheck disable=SC2086
    "$MQTTIDS" train -q $2 $3 -o "$W/$1.model" > /dev/null || { bad "train $1"; return; }
    # shellcheck disable=SC2086
    "$MQTTIDS" eval -q -m "$W/$1.model" --by packet,connection --json $4 > "$W/$1.json" || { bad "eval $1"; return; }
    $PY - "$W/$1.json" "$1" >> "$W/summary.txt" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
def macro(m):
    p = [c for c in m['classes'] if c['support'] > 0]
    return sum(c['f1'] for c in p) / len(p)
m = j['metrics']
conn = j['by']['connection']['metrics']
rec = ' '.join('%s=%.3f' % (c['class'], c['recall']) for c in m['classes'] if c['support'] > 0)
print(sys.argv[2], '%.4f' % macro(m), '%.4f' % macro(conn), rec)
EOF
}
R="--recipe detector"
run det.real-lab.a "$R" "$H" "$W/a/lab.csv"
run det.real-lab.b "$R" "$H" "$W/b/lab.csv"
run det.lab-real.a "$R" "$W/a/lab.csv" "$H"
run det.lab-real.b "$R" "$W/b/lab.csv" "$H"
run det.lab-lab.ab "$R" "$W/a/lab.csv" "$W/b/lab.csv"
run det.lab-lab.ba "$R" "$W/b/lab.csv" "$W/a/lab.csv"
run det.within.real "$R" "$HTR" "$HTE"
run det.within.a "$R" "$W/a/train.csv" "$W/a/test.csv"
cat "$W/summary.txt"

# floors (measured figures and margins: docs/internals/detect.md, "Figures")
floor() { # floor PATTERN FIELD MIN WHAT
    awk -v p="$1" -v f="$2" -v m="$3" -v w="$4" '$1 ~ p { if ($f + 0 < m) { print "FAIL: " $1 " " w " " $f " < " m; bad = 1 } }
        END { exit bad }' "$W/summary.txt" || fail=1
}
# (flood has 5-17 test packets in one connection per environment: one or two packets move a
# macro-F1 by several points, so the floors sit well under the measured minimum)
floor '^det\.within\.a' 2 0.93 "packet macro-F1"
floor '^det\.within\.real' 2 0.88 "packet macro-F1"
floor '^det\.lab-lab' 2 0.86 "packet macro-F1"
floor '^det\.real-lab' 2 0.86 "packet macro-F1"
floor '^det\.lab-real' 2 0.78 "packet macro-F1"
# lab -> real malformed: MQTTset's malformed capture is the fuzzer's 64-byte publishes and its
# monitoring subscriber, with no violation the decoder sees (ctx.src_up_seg_log2's floor)
awk '$1 ~ /^det\.lab-real/ { for (i = 4; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "malformed" && kv[2] + 0 < 0.40) { print "FAIL: " $1 " malformed recall " kv[2]; bad = 1 } } }
    END { exit bad }' "$W/summary.txt" || fail=1
# the attacks whose behaviour is the same in every network: refused CONNECTs, sessions held
# open with a huge keep-alive
for cls in bruteforce slowite; do
    awk -v c="$cls" '$1 ~ /^det\./ { for (i = 4; i <= NF; i++) { split($i, kv, "="); if (kv[1] == c && kv[2] + 0 < 0.95) { print "FAIL: " $1 " " c " recall " kv[2]; bad = 1 } } }
        END { exit bad }' "$W/summary.txt" || fail=1
done
exit $fail
