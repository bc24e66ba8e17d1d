#!/usr/bin/env bash
# watch and stream detect run one detection path (src/detect): on the same capture and model
# they must raise the same alerts. The capture is replayed through `watch -r`, and through
# Kafka (`stream produce --pcap`, keyed by TCP stream, then `stream detect`). Record i of the
# topic is the i-th TCP packet; tshark gives its frame number, so each watch alert (frame)
# and each stream alert (record id) name the same packet. Compared: the set of (packet,
# class, probability to 1e-6, flow), by packet and by connection (first alerting packet of
# each stream and class). Env: MQTTIDS, SHARED. Skips without Kafka, the data or tshark.
source "$(dirname "$0")/kafka_common.sh"
CAP="$SHARED/pcap_l-laura/bruteforce-head.pcapng"
[[ -r $CAP ]] || { echo "SKIP: no shared MQTTset capture"; exit 77; }
command -v tshark >/dev/null 2>&1 || { echo "SKIP: no tshark"; exit 77; }
T="same-$SUFFIX"
start_brokers "$T:4" "$T.alerts:4" "$T.conn:4"
sh "$(dirname "$0")/capture_train_model.sh" "$WORK/m.model" || fail "train"
tshark -r "$CAP" -Y tcp -T fields -e frame.number >"$WORK/frames.txt" 2>/dev/null || fail "tshark"
N=$(wc -l <"$WORK/frames.txt")
"$MQTTIDS" stream produce -q -b "$B" -t "$T" --pcap "$CAP" || fail "produce --pcap"
det() { timeout 120 "$MQTTIDS" stream detect -q -b "$B" -t "$T" -m "$WORK/m.model" --max-records "$N" --stats-interval 0 "$@"; }
det -g "g1-$SUFFIX" || fail "stream detect"
det -g "g2-$SUFFIX" --alerts-topic "$T.conn" --alert-by connection || fail "stream detect --alert-by connection"
"$MQTTIDS" stream dump -q -b "$B" -t "$T.alerts" >"$WORK/stream_packet.json" || fail "dump"
"$MQTTIDS" stream dump -q -b "$B" -t "$T.conn" >"$WORK/stream_conn.json" || fail "dump"
"$MQTTIDS" watch -q -r "$CAP" -m "$WORK/m.model" -o "$WORK/watch_packet.json" || fail "watch"
"$MQTTIDS" watch -q -r "$CAP" -m "$WORK/m.model" -o "$WORK/watch_conn.json" --alert-by connection || fail "watch by connection"
# usage: records carry no client address
set +e
"$MQTTIDS" stream detect -q -b "$B" -t "$T" -g x -m "$WORK/m.model" --alert-by host 2>/dev/null; [[ $? -eq 2 ]] || fail "--alert-by host accepted"
set -e
$PY - "$WORK" <<'PYEOF'
import json, sys
d = sys.argv[1]
row_of = {int(l): i for i, l in enumerate(open(d + "/frames.txt"))}
def load(n):
    return [json.loads(l) for l in open("%s/%s.json" % (d, n))]
def from_watch(a):
    return (row_of[a["mqttids"]["frame"]], a["alert"]["category"], a["probability"], str(a["flow_id"]))
def from_stream(a):
    return (a["id"], a["class"], a["probability"], a["flow"])
for mode in ("packet", "conn"):
    w = sorted(from_watch(a) for a in load("watch_" + mode))
    s = sorted(from_stream(a) for a in load("stream_" + mode))
    assert len(w) > 100, "only %d watch alerts" % len(w)
    assert len(w) == len(s), "%s: watch %d alerts, stream detect %d" % (mode, len(w), len(s))
    bad = [(x, y) for x, y in zip(w, s) if x[0] != y[0] or x[1] != y[1] or x[3] != y[3] or abs(x[2] - y[2]) > 1.5e-6]
    assert not bad, "%s: %d alerts differ, first %s" % (mode, len(bad), bad[0])
    print("by %s: %d alerts, the same in watch and stream detect" % (mode, len(w)))
PYEOF
echo PASS
