#!/bin/sh
# The six shared MQTTset pcap heads: `mqttids extract` must give, row for row, the derived
# CSVs (tshark 4.0.17 + emulate_mqttset.py). Prints the per-file match rate. Env: MQTTIDS, SHARED.
"$MQTTIDS" extract -q -r /dev/null 2>&1 | grep -q "no libpcap" && { echo "built without libpcap: skip"; exit 77; }
here=$(dirname "$0")
[ -d "$SHARED/pcap_l-laura" ] || { echo "no shared MQTTset data: skip"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
rc=0
for pair in benign:legitimate bruteforce:bruteforce flood:flood malariados:dos malformed:malformed slowite:slowite; do
    pcap=${pair%%:*}; cls=${pair##*:}
    f=$(ls "$SHARED/pcap_l-laura/$pcap"-head.pcap* 2>/dev/null | head -1)
    ref="$SHARED/derived_from_pcap/${cls}_from_${pcap}_pcap_head.csv"
    [ -f "$f" ] && [ -f "$ref" ] || { echo "missing $pcap"; rc=1; continue; }
    "$MQTTIDS" extract -q -r "$f" --label "$cls" -o "$tmp/$pcap.csv" || { rc=1; continue; }
    /usr/bin/python3 "$here/capture_compare.py" "$tmp/$pcap.csv" "$ref" "$(basename "$f")" || rc=1
done
# a pcap path is an input of the data commands (source hook): same column statistics as
# the derived CSV of the same packets
"$MQTTIDS" stats --json -q "$SHARED/pcap_l-laura/benign-head.pcap" > "$tmp/a.json" 2>/dev/null &&
"$MQTTIDS" stats --json -q "$SHARED/derived_from_pcap/legitimate_from_benign_pcap_head.csv" > "$tmp/b.json" 2>/dev/null &&
/usr/bin/python3 - "$tmp/a.json" "$tmp/b.json" <<'PY' || rc=1
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
keys = ('name', 'nulls', 'zeros', 'mean', 'std', 'min', 'max')
ca = [[c.get(k) for k in keys] for c in a['columns']][:33]
cb = [[c.get(k) for k in keys] for c in b['columns']][:33]
bad = [(x, y) for x, y in zip(ca, cb) if x != y]
print('stats on pcap vs derived CSV: %d of 33 columns equal' % (33 - len(bad)))
for x, y in bad[:5]:
    print('  pcap', x, '\n  csv ', y)
sys.exit(1 if bad or len(ca) != 33 else 0)
PY
exit $rc
