#!/bin/bash
# Data commands that read a capture directly (stats, predict, train) warn, once per input,
# when the capture has TCP but no MQTT on the decoded ports. The capture is MQTTset's benign
# head with its broker port 1883 rewritten to 18830 (port_rewrite.py); tshark names the
# busiest TCP port independently. The unmoved capture gives no warning.
set -euo pipefail
: "${MQTTIDS:?}" "${SHARED:?}" "${SRCDIR:?}"
PCAP="$SHARED/pcap_l-laura/benign-head.pcap"
[[ -r $PCAP ]] || { echo "SKIP: no $PCAP"; exit 77; }
command -v editcap >/dev/null && command -v tshark >/dev/null || { echo "SKIP: no editcap/tshark"; exit 77; }
W=$(mktemp -d "${TMPDIR:-/tmp}/mqttids-porthint-data.XXXXXX")
trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
editcap -F pcap "$PCAP" "$W/orig.pcap"
/usr/bin/python3 "$SRCDIR/tests/integration/port_rewrite.py" "$W/orig.pcap" "$W/moved.pcap" 1883 18830 >/dev/null
want=$(tshark -r "$W/moved.pcap" -T fields -e tcp.srcport -e tcp.dstport 2>/dev/null | tr '\t' '\n' | sed '/^$/d' |
  sort | uniq -c | sort -rn | head -1 | awk '{print $2}')
[[ $want == 18830 ]] || fail "tshark's busiest port of the rewritten capture is $want, not 18830"
pat="warning: $W/moved.pcap: [0-9]* TCP packets but none decoded as MQTT on port 1883; the busiest TCP port is $want (.*try --port $want"

"$MQTTIDS" stats "$W/moved.pcap" "$W/orig.pcap" >/dev/null 2>"$W/e1" || fail "stats: $(cat "$W/e1")"
[[ $(grep -c "$pat" "$W/e1") == 1 ]] || fail "stats: want one hint for moved.pcap: $(cat "$W/e1")"
[[ $(grep -c "warning" "$W/e1") == 1 ]] || fail "stats: a warning besides moved.pcap's: $(cat "$W/e1")"
"$MQTTIDS" stats --json "$W/moved.pcap" >/dev/null 2>"$W/e1j" || fail "stats --json"
grep -q "$pat" "$W/e1j" || fail "stats --json: no hint on stderr"
"$MQTTIDS" stats -q "$W/moved.pcap" >/dev/null 2>"$W/e1q" || fail "stats -q"
[[ ! -s $W/e1q ]] || fail "stats -q printed: $(cat "$W/e1q")"
echo "ok: stats"

"$MQTTIDS" train -q --model rf --param numTrees=3 --train "$SRCDIR/data/lab/test.csv.gz" -o "$W/m.model" >/dev/null
"$MQTTIDS" predict --model "$W/m.model" -o "$W/p.csv" "$W/moved.pcap" 2>"$W/e2" || fail "predict: $(cat "$W/e2")"
[[ $(grep -c "$pat" "$W/e2") == 1 ]] || fail "predict: want one hint: $(cat "$W/e2")"
echo "ok: predict"
# a capture given as training input has no labels: the hint still comes before that error
"$MQTTIDS" train --model rf --train "$W/moved.pcap" -o "$W/m2.model" >/dev/null 2>"$W/e3" || true
[[ $(grep -c "$pat" "$W/e3") == 1 ]] || fail "train: want one hint: $(cat "$W/e3")"
echo "ok: train"
echo PASS
