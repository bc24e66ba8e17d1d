#!/usr/bin/env bash
# Two detectors in one consumer group; one is SIGKILLed mid-stream and started again.
# Every record must be classified at least once (its alert is on the alerts topic), none
# may be missing, each alert's class and probability must be what "mqttids predict" says
# for that CSV row with the same model (a random forest trained here with "mqttids
# train"; predict reads the CSV directly, the detectors get the rows through Kafka), the
# survivors must shut down cleanly on SIGTERM, and a new member of the group afterwards
# must find nothing left to read (everything acknowledged was committed).
source "$(dirname "$0")/kafka_common.sh"
LEGIT="$SHARED/derived_from_pcap/legitimate_from_benign_pcap_head.csv"
SLOW="$SHARED/derived_from_pcap/slowite_from_slowite_pcap_head.csv"
[[ -r $LEGIT && -r $SLOW ]] || { echo "SKIP: no shared MQTTset data"; exit 77; }
T="recs-$SUFFIX"
G="grp-$SUFFIX"
start_brokers "$T:4" "$T.alerts:4"
X=(-X session.timeout.ms=6000 -X heartbeat.interval.ms=500)

# the model, and the expected class/probability of each row from "mqttids predict"
"$MQTTIDS" train -q -m rf -o "$WORK/rf.model" "$LEGIT" "$SLOW" >/dev/null || fail "train"
"$MQTTIDS" predict -q -m "$WORK/rf.model" -o "$WORK/pred.csv" "$LEGIT" "$SLOW" || fail "predict"
$PY - "$WORK/pred.csv" >"$WORK/labels" <<'PYEOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
for i, r in enumerate(rows):
    assert int(r["row"]) == i
    print("%s,%s" % (r["predicted"], r["p_" + r["predicted"]]))
PYEOF
N=$(wc -l <"$WORK/labels")
echo "records: $N"

detector() { # name [options]; sets DPID
  local name=$1; shift
  "$MQTTIDS" stream detect -b "$B" -t "$T" -g "$G" --model "$WORK/rf.model" --alert-all "${X[@]}" \
    --stats-interval 500 --json "$@" >"$WORK/$name.json" 2>"$WORK/$name.err" &
  DPID=$!
  PIDS+=("$DPID")
}
# a1 commits rarely, so it surely dies holding classified, acknowledged, uncommitted records
detector a1 --commit-interval 60000; A=$DPID
detector b; D2=$DPID
# both members hold partitions before the records come (the mock group settles in ~3 s)
for _ in $(seq 1 150); do
  grep -q "partitions [1-9]" "$WORK/a1.err" && grep -q "partitions [1-9]" "$WORK/b.err" && break
  sleep 0.1
done
grep -q "partitions [1-9]" "$WORK/a1.err" || fail "detector a1 never got partitions"
"$MQTTIDS" stream produce -b "$B" -t "$T" --rate 3000 --json "$LEGIT" "$SLOW" >"$WORK/produce.json" 2>"$WORK/produce.err" &
P=$!; PIDS+=("$P")
# kill a1 once it has classified records (its counters show it), while records still come
for _ in $(seq 1 60); do grep -q "consumed [1-9]" "$WORK/a1.err" && break; sleep 0.1; done
grep -q "consumed [1-9]" "$WORK/a1.err" || fail "detector a1 had consumed nothing before the kill"
sleep 0.3
kill -0 "$P" 2>/dev/null || fail "the producer finished before the kill: not mid-stream"
kill -9 "$A"
wait "$A" 2>/dev/null || true
echo "killed detector a1 (pid $A) mid-stream"
sleep 1
detector a2; A2=$DPID
wait "$P" || { cat "$WORK/produce.err" >&2; fail "producer failed"; }
grep -q "\"delivered\":$N" <(tr -d ' \n' <"$WORK/produce.json") || fail "producer did not deliver $N records: $(cat "$WORK/produce.json")"

# wait until the alerts cover every id (at most 60 s)
ok=
for _ in $(seq 1 30); do
  "$MQTTIDS" stream dump -q -b "$B" -t "$T.alerts" >"$WORK/alerts" 2>"$WORK/dump.err" || true
  if $PY - "$WORK/alerts" "$N" <<'PYEOF'
import json, sys
ids = set()
for line in open(sys.argv[1]):
    ids.add(json.loads(line)["id"])
sys.exit(0 if len(ids) >= int(sys.argv[2]) else 1)
PYEOF
  then ok=1; break; fi
  sleep 2
done
kill -TERM "$A2" "$D2"
rcA=0; rcB=0
wait "$A2" || rcA=$?
wait "$D2" || rcB=$?
for f in a1 b a2; do echo "--- $f"; tail -3 "$WORK/$f.err"; done
[[ $rcA == 0 && $rcB == 0 ]] || fail "detectors exited $rcA/$rcB on SIGTERM (expected 0)"
[[ -n $ok ]] || echo "alerts did not cover every id in time (checked below)"
"$MQTTIDS" stream dump -q -b "$B" -t "$T.alerts" >"$WORK/alerts"
$PY - "$WORK/alerts" "$WORK/labels" "$T" <<'PYEOF'
import json, sys
expect = [l.strip().split(",") for l in open(sys.argv[2])]
n = len(expect)
seen, dups, bad, model = {}, 0, 0, None
for line in open(sys.argv[1]):
    a = json.loads(line)
    for k in ("v", "time", "id", "flow", "class", "probability", "model", "topic", "partition", "offset"):
        assert k in a, "alert without %s: %s" % (k, line)
    assert a["v"] == 1 and a["topic"] == sys.argv[3] and a["model"].startswith("rf-"), line
    model = model or a["model"]
    assert a["model"] == model, "two model ids"
    i = a["id"]
    assert 0 <= i < n, "alert for an unknown id %d" % i
    # the key rule: no tcp.stream column, so the flow is the row index
    assert a["flow"] == str(i), "flow %r for id %d" % (a["flow"], i)
    cls, p = expect[i]
    if a["class"] != cls or abs(a["probability"] - float(p)) > 2e-5:
        if bad < 5:
            print("id %d: alert %s %s, predict says %s %s" % (i, a["class"], a["probability"], cls, p))
        bad += 1
    if i in seen:
        dups += 1
    seen[i] = a
missing = [i for i in range(n) if i not in seen]
print("alerts: %d distinct ids of %d, %d duplicates (re-read after the kill), %d differ from predict"
      % (len(seen), n, dups, bad))
if missing:
    sys.exit("FAIL: %d records never classified, e.g. ids %s" % (len(missing), missing[:10]))
if dups == 0:
    sys.exit("FAIL: no record was read again: the records the killed detector held were lost or never read")
if bad:
    sys.exit("FAIL: %d alerts disagree with mqttids predict" % bad)
PYEOF
# the survivors committed what they acknowledged: a new member finds nothing to read
timeout 60 "$MQTTIDS" stream detect -b "$B" -t "$T" -g "$G" --model "$WORK/rf.model" "${X[@]}" --idle-exit 1500 \
  --stats-interval 0 --json >"$WORK/after.json" 2>"$WORK/after.err" || fail "late detector failed: $(cat "$WORK/after.err")"
$PY - "$WORK/after.json" <<'PYEOF'
import json, sys
s = json.load(open(sys.argv[1]))
print("late member: consumed %d, lag %d, partitions seen in %d rebalances" % (s["consumed"], s["lag"], s["rebalances"]))
assert s["rebalances"] >= 1, "the late member never got partitions"
assert s["consumed"] == 0, "records were left uncommitted: %d read again" % s["consumed"]
PYEOF
echo "PASS"
