#!/usr/bin/env bash
# watch -> Kafka: every alert of a pcap replay is one message on the alerts topic, equal to
# the JSON line watch writes, keyed by its TCP stream (so a flow's alerts share a partition).
source "$(dirname "$0")/kafka_common.sh"
CAP="$SHARED/pcap_l-laura/bruteforce-head.pcapng"
[[ -r $CAP ]] || { echo "SKIP: no shared MQTTset capture"; exit 77; }
T="watch-alerts-$SUFFIX"
start_brokers "$T:4"
sh "$(dirname "$0")/capture_train_model.sh" "$WORK/m.model" || fail "train"
"$MQTTIDS" watch -q -r "$CAP" -m "$WORK/m.model" -o "$WORK/alerts.json" --brokers "$B" --alerts-topic "$T" \
  -X linger.ms=5 || fail "watch --brokers"
"$MQTTIDS" stream dump -q -b "$B" -t "$T" --keys --meta > "$WORK/dump.tsv" || fail "dump"
$PY - "$WORK/alerts.json" "$WORK/dump.tsv" <<'PYEOF'
import json, sys
lines = [l.rstrip("\n") for l in open(sys.argv[1])]
msgs, parts = [], {}
for l in open(sys.argv[2]):
    p, o, k, v = l.rstrip("\n").split("\t", 3)
    msgs.append((int(p), int(o), k, v))
    parts.setdefault(k, set()).add(p)
assert len(lines) > 100, "only %d alerts" % len(lines)
assert sorted(v for _, _, _, v in msgs) == sorted(lines), "%d messages vs %d alert lines" % (len(msgs), len(lines))
assert all(len(s) == 1 for s in parts.values()), "a stream's alerts in several partitions"
for p, o, k, v in msgs:
    assert json.loads(v)["flow_id"] is not None and k.isdigit(), (k, v[:80])
print("%d alerts on Kafka, %d streams" % (len(msgs), len(parts)))
PYEOF
# usage errors
set +e
"$MQTTIDS" watch -q -r "$CAP" -m "$WORK/m.model" --alerts-topic x 2>/dev/null; [[ $? -eq 2 ]] || fail "--alerts-topic without --brokers"
"$MQTTIDS" watch -q -r "$CAP" -m "$WORK/m.model" -o "$WORK/a2.json" --brokers "$B" -X no.such.setting=1 2>"$WORK/err"; rc=$?
[[ $rc -ne 0 ]] || fail "a bad -X setting was accepted"
echo PASS
