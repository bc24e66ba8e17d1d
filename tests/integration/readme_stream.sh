#!/bin/bash
# The README's Kafka example run end to end, as written there (commands taken from
# README.md; only the data file and model names are replaced), on 45,464 lab records
# (more than a 4-partition mock topic keeps): mock cluster, produce,
# detect (with --idle-exit so it ends), dump. Every record produced is consumed and
# dumped (equal counts). Then the loss check: the same data into an auto-created 4-partition
# topic makes 'stream produce' fail, naming the counts, and what it says was kept is what
# 'stream dump' finds.
. "$(dirname "$0")/mock_work.sh" readme-stream   # W, MOCK_PID, fail, need_kafka
need_kafka
cd "$W"
DATA="$SRCDIR/data/lab/train.csv.gz"
N=45464
mqttids() { "$MQTTIDS" "$@"; }
# the README's stream example lines, in order
mapfile -t CMDS < <(grep -E '^    mqttids stream (mock-cluster|produce|detect|dump)' "$SRCDIR/README.md")
((${#CMDS[@]} == 4)) || fail "expected 4 stream example lines in README.md, found ${#CMDS[@]}"
sub() { local c=${1#    }; c=${c//test30_reduced.csv/$DATA}; printf '%s' "$c"; }

"$MQTTIDS" train -q --model rf --param numTrees=5 --train "$DATA" -o rf.model >/dev/null

c=$(sub "${CMDS[0]}"); c=${c% &}
echo "+ $c &"
eval "exec \"\$MQTTIDS\"${c#mqttids}" >mock.out 2>mock.err &
MOCK_PID=$!
for _ in $(seq 1 100); do [[ -s brokers.txt ]] && break; sleep 0.1; done
[[ -s brokers.txt ]] || fail "mock cluster did not start: $(cat mock.err)"

c=$(sub "${CMDS[1]}")
echo "+ $c"
eval "$c" 2>produce.err || { cat produce.err; fail "README produce failed"; }
grep -q "$N records sent .* $N delivered, 0 failed" produce.err || fail "produce: $(cat produce.err)"

c="$(sub "${CMDS[2]}") --idle-exit 3000 --json"
echo "+ $c"
eval "$c" >detect.json 2>detect.err || { cat detect.err; fail "README detect failed"; }
/usr/bin/python3 - "$N" detect.json <<'PY'
import json, sys
n, d = int(sys.argv[1]), json.load(open(sys.argv[2]))
assert d["consumed"] == n and d["classified"] == n, ("consumed", d["consumed"], "classified", d["classified"], "of", n)
assert d["alerted"] > 0 and d["acked"] == d["alerted"], d
print("detect: consumed %d of %d, alerted %d" % (d["consumed"], n, d["alerted"]))
PY
# counters are for people: stderr is a file here, so no per-second lines
if grep -q "committed [0-9]*, malformed [0-9]*, lag .*partitions" detect.err; then fail "stream detect printed counters into a file"; fi

c=$(sub "${CMDS[3]}")
echo "+ $c"
eval "$c"
ALERTED=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open("detect.json"))["alerted"])')
[[ $(wc -l <alerts.json) == "$ALERTED" ]] || fail "alerts topic holds $(wc -l <alerts.json), detect sent $ALERTED"
got=$("$MQTTIDS" stream dump --brokers "$(cat brokers.txt)" --topic mqtt | wc -l)
[[ $got == "$N" ]] || fail "topic mqtt holds $got records, $N were produced"
echo "ok: $N produced = $N consumed = $got dumped; $ALERTED alerts"

# loss detection: a 4-partition auto-created topic keeps about 20 MB of the 54 MB
rc=0
"$MQTTIDS" stream produce --json --brokers "$(cat brokers.txt)" --topic small "$DATA" >small.json 2>small.err || rc=$?
[[ $rc == 1 ]] || fail "produce into a too-small topic exited $rc: $(cat small.err)"
grep -q "dropped by retention" small.err || fail "no loss message: $(cat small.err)"
kept=$("$MQTTIDS" stream dump --brokers "$(cat brokers.txt)" --topic small | wc -l)
/usr/bin/python3 - "$N" "$kept" small.json <<'PY'
import json, sys
n, kept, d = int(sys.argv[1]), int(sys.argv[2]), json.load(open(sys.argv[3]))
assert d["delivered"] == n and d["lost"] > 0 and d["delivered"] - d["lost"] == kept, (d, kept)
print("ok: loss reported: %d of %d lost, %d kept = dumped" % (d["lost"], n, kept))
PY
echo PASS
