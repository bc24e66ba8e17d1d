#!/usr/bin/env bash
# Malformed messages on the records topic are counted and skipped with a message naming
# the partition, the offset and the rule broken; the valid records around them are
# classified; the detector exits 0.
source "$(dirname "$0")/kafka_common.sh"
SLOW="$SHARED/derived_from_pcap/slowite_from_slowite_pcap_head.csv"
[[ -r $SLOW ]] || { echo "SKIP: no shared MQTTset data"; exit 77; }
T="bad-$SUFFIX"
start_brokers "$T:1" "$T.alerts:1"
head -6 "$SLOW" >"$WORK/five.csv"
"$MQTTIDS" stream produce -q -b "$B" -t "$T" "$WORK/five.csv" || fail "produce"
# a valid record with one feature removed, made from a real one
"$MQTTIDS" stream dump -q -b "$B" -t "$T" | head -1 >"$WORK/one.json"
$PY - "$WORK/one.json" >"$WORK/bad.txt" <<'PYEOF'
import json, sys
rec = json.loads(open(sys.argv[1]).read())
lines = []
lines.append("not json at all")                                  # not an object
lines.append(json.dumps(dict(rec, v=2)))                         # another format version
r = dict(rec); del r["mqtt.msgtype"]; lines.append(json.dumps(r))  # a missing feature
lines.append(json.dumps(rec)[:40])                               # truncated
lines.append("")                                                 # empty message
lines.append(json.dumps(dict(rec, **{"tcp.len": {"a": 1}})))     # a nested value
lines.append("MQR binary that is too short")                     # binary magic, bad body
lines.append("[" * 5000 + "]" * 5000)                            # deep nesting
lines.append(json.dumps(dict(rec, **{"tcp.len": "abc"})))        # text where a number goes
print("\n".join(lines))
PYEOF
NBAD=$(wc -l <"$WORK/bad.txt")
"$MQTTIDS" stream produce -q --raw -b "$B" -t "$T" "$WORK/bad.txt" || fail "produce --raw"
"$MQTTIDS" stream produce -q -b "$B" -t "$T" --id-base 100 "$WORK/five.csv" || fail "produce"
timeout 60 "$MQTTIDS" stream detect -b "$B" -t "$T" -g "g-$SUFFIX" --model none --alert-all --idle-exit 1500 \
  --stats-interval 0 --json >"$WORK/det.json" 2>"$WORK/det.err" || { cat "$WORK/det.err"; fail "detector exit $?"; }
cat "$WORK/det.err"
$PY - "$WORK/det.json" "$NBAD" <<'PYEOF'
import json, sys
s = json.load(open(sys.argv[1])); nbad = int(sys.argv[2])
assert s["consumed"] == 10 + nbad, s
assert s["malformed"] == nbad, "malformed %d, expected %d" % (s["malformed"], nbad)
assert s["classified"] == 10 and s["alerted"] == 10 and s["acked"] == 10, s
assert s["committed"] == 10 + nbad, "malformed records must be committed too: %s" % s
PYEOF
grep -c "malformed record skipped" "$WORK/det.err" | grep -qx "$NBAD" || fail "expected $NBAD 'malformed record skipped' messages"
for rule in "offset 5: malformed record skipped: JSON record, byte 0: not a JSON object" \
            "format version 2, expected 1" 'missing field "mqtt.msgtype"' "unterminated" "empty record" \
            "nested objects and arrays are not part of record format v1" "binary record" \
            "is not a number"; do
  grep -qF "$rule" "$WORK/det.err" || fail "no message with: $rule"
done
"$MQTTIDS" stream dump -q -b "$B" -t "$T.alerts" >"$WORK/alerts"
ids=$(python3 -c "import json,sys; print(sorted(json.loads(l)['id'] for l in open(sys.argv[1])))" "$WORK/alerts")
[[ $ids == "[0, 1, 2, 3, 4, 100, 101, 102, 103, 104]" ]] || fail "alert ids $ids"
# -X pairs pass through to librdkafka, which checks them: a bad key is a usage error
rc=0; "$MQTTIDS" stream detect -b "$B" -t "$T" -g x --model none -X no.such.setting=1 2>"$WORK/x.err" || rc=$?
[[ $rc == 2 ]] && grep -q "no.such.setting" "$WORK/x.err" || fail "bad -X: exit $rc, $(cat "$WORK/x.err")"
rc=0; "$MQTTIDS" stream produce -b "$B" -t "$T" -X linger.ms=abc "$WORK/five.csv" 2>"$WORK/x.err" || rc=$?
[[ $rc == 2 ]] && grep -q "linger.ms" "$WORK/x.err" || fail "bad -X value: exit $rc, $(cat "$WORK/x.err")"
echo PASS
