#!/usr/bin/env bash
# make demo: runs the main job on the embedded default data and says what it ran on.
set -euo pipefail
MQTTIDS=$1
SHARED=$2
if [[ -d "$SHARED/derived_from_pcap" ]]; then
  D=$SHARED/derived_from_pcap
  echo "== mqttids demo: running on the real MQTTset heads in $D"
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
  if "$MQTTIDS" experiment --help >/dev/null 2>&1; then
    "$MQTTIDS" experiment --nn "${args[@]}"
  else
    "$MQTTIDS" stats "${args[@]}"
  fi
else
  echo "== mqttids demo: no MQTTset data found at $SHARED (set SHARED=...)" >&2
  exit 1
fi
