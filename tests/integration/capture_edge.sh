#!/bin/sh
# Edge cases against tshark itself: generates small captures (capture_gen_edge.py: split
# messages, several per segment, retransmission, out-of-order, malformed, MQTT 3.1/5, IPv6,
# Ethernet/SLL/SLL2/raw IP, pcapng, port reuse, numeric column types), runs tshark + the
# MQTTset emulation on each, and compares with `mqttids extract` row by row.
# Skips (77) without tshark. Env: MQTTIDS, SHARED, SRCDIR.
"$MQTTIDS" extract -q -r /dev/null 2>&1 | grep -q "no libpcap" && { echo "built without libpcap: skip"; exit 77; }
command -v tshark >/dev/null 2>&1 || { echo "tshark not installed: skip"; exit 77; }
[ -f "$SHARED/derived_from_pcap/emulate_mqttset.py" ] || { echo "no shared MQTTset data: skip"; exit 77; }
here=$(dirname "$0")
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 "$here/capture_gen_edge.py" "$tmp" || exit 1
rc=0
for f in "$tmp"/edge_*; do
    sh "$here/capture_tshark_ref.sh" "$f" legitimate "$f.ref" || { echo "tshark failed on $f"; rc=1; continue; }
    "$MQTTIDS" extract -q -r "$f" --label legitimate -o "$f.mine" || { rc=1; continue; }
    /usr/bin/python3 "$here/capture_compare.py" "$f.mine" "$f.ref" "$(basename "$f")" || rc=1
    # the rows pass the validator every record source shares (docs/SECURITY.md)
    "$MQTTIDS" stats -q "$f.mine" >/dev/null || { echo "$f: extracted rows refused by the reader"; rc=1; }
done
exit $rc
