#!/bin/bash
# Records lost to retention are reported on the consuming side too: a 1-partition mock
# topic (mock brokers keep about 5 MB per partition) gets the lab's 19,487 test records
# (more than 5 MB as JSON). 'stream produce' says how many it lost (from its delivery
# offsets); 'stream dump' (from offset 0) and 'stream detect' (a new group, earliest)
# must each say that many were lost to retention, and what they read plus what they
# say was lost must equal what was delivered.
. "$(dirname "$0")/mock_work.sh" retention   # W, MOCK_PID, fail, need_kafka
need_kafka
cd "$W"
DATA="$SRCDIR/data/lab/test.csv.gz"
"$MQTTIDS" stream mock-cluster --topic small:1 --topic whole:64 --address-file brokers.txt >mock.out 2>mock.err &
MOCK_PID=$!
for _ in $(seq 1 100); do [[ -s brokers.txt ]] && break; sleep 0.1; done
[[ -s brokers.txt ]] || fail "mock cluster did not start: $(cat mock.err)"
B=$(cat brokers.txt)

rc=0
"$MQTTIDS" stream produce --json --brokers "$B" --topic small "$DATA" >prod.json 2>prod.err || rc=$?
[[ $rc == 1 ]] || fail "produce into a 1-partition topic exited $rc: $(cat prod.err)"
read -r delivered lost < <(/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["delivered"], d["lost"])' prod.json)
((lost > 0 && lost < delivered)) || fail "produce: delivered $delivered, lost $lost"

"$MQTTIDS" stream dump --brokers "$B" --topic small >dump.out 2>dump.err || fail "dump: $(cat dump.err)"
dumped=$(wc -l <dump.out)
grep -q "warning: small: $lost records were lost to retention before they were read" dump.err ||
  fail "dump: no loss line for $lost: $(cat dump.err)"
((dumped + lost == delivered)) || fail "dump read $dumped + lost $lost != delivered $delivered"
echo "ok: dump: $dumped read, $lost reported lost, $delivered delivered"

"$MQTTIDS" stream detect --brokers "$B" --topic small --group g1 --model none --idle-exit 2000 --json \
  >det.json 2>det.err || fail "detect: $(cat det.err)"
grep -q "warning: small: $lost records were lost to retention before they were read" det.err ||
  fail "detect: no loss line for $lost: $(cat det.err)"
/usr/bin/python3 - det.json "$lost" "$delivered" <<'PY'
import json, sys
d, lost, delivered = json.load(open(sys.argv[1])), int(sys.argv[2]), int(sys.argv[3])
assert d["retention_skipped"] == lost, (d["retention_skipped"], lost)
assert d["consumed"] + lost == delivered, (d["consumed"], lost, delivered)
print("ok: detect: consumed %d, retention_skipped %d" % (d["consumed"], d["retention_skipped"]))
PY

# nothing lost: no warning, retention_skipped 0 (a topic with room for the data)
"$MQTTIDS" stream produce --brokers "$B" --topic whole "$DATA" 2>whole.err || fail "produce whole: $(cat whole.err)"
"$MQTTIDS" stream dump --brokers "$B" --topic whole >/dev/null 2>wd.err || fail "dump whole"
if grep -q "lost to retention" wd.err; then fail "dump warned with nothing lost: $(cat wd.err)"; fi
"$MQTTIDS" stream detect --brokers "$B" --topic whole --group g2 --model none --idle-exit 2000 --json \
  >wdet.json 2>wdet.err || fail "detect whole: $(cat wdet.err)"
if grep -q "lost to retention" wdet.err; then fail "detect warned with nothing lost: $(cat wdet.err)"; fi
/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["retention_skipped"] == 0 and d["consumed"] == int(sys.argv[2]), d' \
  wdet.json "$delivered" || fail "detect whole: $(cat wdet.json)"
echo PASS
