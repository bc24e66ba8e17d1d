#!/usr/bin/env bash
# make demo: runs the whole study (mqttids experiment) on the lab dataset committed in data/lab
# (made by `mqttids lab` from a real mosquitto broker; data/lab/README.md says how), so it needs
# no capture, no root and no download. When the shared real MQTTset heads exist, it then also
# runs the study on them.
set -euo pipefail
MQTTIDS=$1
SHARED=$2
HERE=$(cd "$(dirname "$0")/.." && pwd)
LAB=$HERE/data/lab
echo "== mqttids demo: the study on the committed lab dataset $LAB"
echo "   (MQTT traffic made by 'mqttids lab' with Debian's mosquitto: MQTTset's 8 sensors + its 5 attacks;"
echo "    per class: first 70% of packets train, last 30% test, as MQTTset splits; see data/lab/README.md)"
REPORT=$(cd "$(dirname "$MQTTIDS")/.." && pwd)/demo-report.html
"$MQTTIDS" experiment --nn --train "$LAB/train.csv.gz" --test "$LAB/test.csv.gz" --report "$REPORT"
echo "== the study's HTML report (open it in a browser): $REPORT"
if [[ -d "$SHARED/derived_from_pcap" ]]; then
  D=$SHARED/derived_from_pcap
  echo
  echo "== mqttids demo: and on the real MQTTset heads in $D"
  echo "   (per class: first 70% of packets train, last 30% test, as MQTTset splits)"
  TMP=$(mktemp -d)
  trap 'rm -rf "$TMP"' EXIT
  args=()
  for f in "$D"/*_from_*_head.csv; do
    b=$(basename "$f" .csv)
    n=$(($(wc -l < "$f") - 1))
    k=$((n * 7 / 10))
    head -n $((k + 1)) "$f" > "$TMP/$b.train.csv"
    { head -n 1 "$f"; tail -n +$((k + 2)) "$f"; } > "$TMP/$b.test.csv"
    args+=(--train "$TMP/$b.train.csv" --test "$TMP/$b.test.csv")
  done
  "$MQTTIDS" experiment --nn "${args[@]}"
fi
