#!/bin/bash
# A capture whose MQTT runs on a port not decoded: extract and watch warn, naming the
# busiest TCP port (MQTTset's broker port 1883, as tshark's conversation table shows);
# a PATH.port side file (what 'mqttids lab' writes) makes them decode that port with no
# --port, giving the same rows as --port does.
set -euo pipefail
: "${MQTTIDS:?}" "${SHARED:?}" "${SRCDIR:?}"
PCAP="$SHARED/pcap_l-laura/benign-head.pcap"
[[ -r $PCAP ]] || { echo "SKIP: no $PCAP"; exit 77; }
"$MQTTIDS" extract --help >/dev/null 2>&1 || { echo "SKIP"; exit 77; }
W=$(mktemp -d "${TMPDIR:-/tmp}/mqttids-porthint.XXXXXX")
trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# independent: the TCP port in most packets, by tshark
if command -v tshark >/dev/null; then
  want=$(tshark -r "$PCAP" -T fields -e tcp.srcport -e tcp.dstport 2>/dev/null | tr '\t' '\n' | sed '/^$/d' | sort | uniq -c | sort -rn | head -1 | awk '{print $2}')
else
  want=1883
fi
cp "$PCAP" "$W/cap.pcap"
"$MQTTIDS" extract -r "$W/cap.pcap" -o "$W/default.csv" 2>"$W/e0" || fail "extract: $(cat "$W/e0")"
if grep -q "warning" "$W/e0"; then fail "warned on a capture decoded fine: $(cat "$W/e0")"; fi
"$MQTTIDS" extract -r "$W/cap.pcap" --port 9999 -o "$W/wrong.csv" 2>"$W/e1" || fail "extract --port 9999"
grep -q "warning: $W/cap.pcap: [0-9]* TCP packets but none decoded as MQTT on port 9999; the busiest TCP port is $want (" "$W/e1" ||
  fail "no port hint (want $want): $(cat "$W/e1")"
grep -q "try --port $want" "$W/e1" || fail "no --port suggestion"
echo "ok: $(grep warning "$W/e1")"

"$MQTTIDS" train -q --model rf --param numTrees=3 --train "$SRCDIR/data/lab/test.csv.gz" -o "$W/m.model" >/dev/null
"$MQTTIDS" watch -r "$W/cap.pcap" --port 9999 --model "$W/m.model" -o "$W/alerts.json" 2>"$W/e2" || fail "watch: $(cat "$W/e2")"
grep -q "warning: $W/cap.pcap: .*busiest TCP port is $want .*try --port $want" "$W/e2" || fail "watch gave no hint: $(cat "$W/e2")"
echo "ok: watch warns"

# the side file: port 9999 given, the side file adds the real one: same rows as the default
echo "$want" >"$W/cap.pcap.port"
"$MQTTIDS" extract -r "$W/cap.pcap" --port 9999 -o "$W/side.csv" 2>"$W/e3" || fail "extract with side file"
if grep -q "warning" "$W/e3"; then fail "warned with the side file: $(cat "$W/e3")"; fi
cmp -s "$W/side.csv" "$W/default.csv" || fail "rows with the side file differ from the default port's"
echo PASS
