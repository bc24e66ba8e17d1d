#!/usr/bin/env bash
# stream produce --pcap: capture rows go out keyed by TCP stream, so each stream stays in
# one partition; record i is the i-th row "mqttids extract" writes (same features) and its
# key is the tcp.stream tshark gives the i-th TCP packet (when tshark is installed).
source "$(dirname "$0")/kafka_common.sh"
CAP="$SHARED/pcap_l-laura/slowite-head.pcap"
[[ -r $CAP ]] || { echo "SKIP: no shared MQTTset capture"; exit 77; }
T="pcap-$SUFFIX"
start_brokers "$T:4"
"$MQTTIDS" stream produce -q -b "$B" -t "$T" --pcap --label slowite --context --json "$CAP" >"$WORK/prod.json" || fail "produce --pcap"
"$MQTTIDS" extract -q -r "$CAP" -o "$WORK/rows.csv" || fail "extract"
"$MQTTIDS" stream dump -q -b "$B" -t "$T" --keys --meta >"$WORK/dump.tsv"
if command -v tshark >/dev/null; then
  tshark -r "$CAP" -Y tcp -T fields -e tcp.stream >"$WORK/streams.txt" 2>/dev/null || fail "tshark"
else
  echo "note: no tshark; keys checked for partition stability only"
  : >"$WORK/streams.txt"
fi
$PY - "$WORK/dump.tsv" "$WORK/rows.csv" "$WORK/streams.txt" <<'PYEOF'
import csv, json, sys
recs, parts = {}, {}
for line in open(sys.argv[1]):
    p, o, k, v = line.rstrip("\n").split("\t", 3)
    r = json.loads(v)
    recs[r["id"]] = (k, r)
    parts.setdefault(k, set()).add(p)
rows = list(csv.DictReader(open(sys.argv[2])))
assert len(recs) == len(rows), "%d records, extract wrote %d rows" % (len(recs), len(rows))
split = [k for k, s in parts.items() if len(s) > 1]
assert not split, "streams in more than one partition: %s" % split[:5]
bad = 0
for i, row in enumerate(rows):
    k, r = recs[i]
    assert r["target"] == "slowite" and any(f.startswith("ctx.") for f in r), r
    for f in ("tcp.flags", "tcp.len", "mqtt.msgtype", "mqtt.len", "tcp.time_delta", "mqtt.kalive"):
        want = row[f]
        got = r[f]
        if isinstance(got, str):
            ok = got == want
        else:
            ok = abs(float(want) - got) <= 1e-12 * max(1.0, abs(got)) if not want.startswith("0x") else int(want, 16) == got
        if not ok:
            bad += 1
            if bad < 5:
                print("record %d %s: %r vs extract %r" % (i, f, got, want))
assert bad == 0, "%d fields differ from extract" % bad
streams = [l.strip() for l in open(sys.argv[3]) if l.strip()]
if streams:
    assert len(streams) == len(rows), "tshark: %d TCP packets" % len(streams)
    diff = [i for i in range(len(rows)) if recs[i][0] != streams[i]]
    assert not diff, "keys differ from tshark tcp.stream at %s" % diff[:5]
print("%d records, %d streams, each in one partition%s" % (len(rows), len(parts), ", keys = tshark tcp.stream" if streams else ""))
PYEOF
echo PASS
