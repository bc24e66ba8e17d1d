#!/bin/sh
# The six shared MQTTset pcap heads: `mqttids extract` must give, row for row, the derived
# CSVs (tshark 4.0.17 + emulate_mqttset.py). Prints the per-file match rate. Env: MQTTIDS, SHARED.
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
exit $rc
