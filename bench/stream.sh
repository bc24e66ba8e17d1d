#!/usr/bin/env bash
# bench/stream.sh: records/s through produce -> detect -> alerts on librdkafka's mock
# cluster, and the detector's own rates; peer: the same detector job in Python with
# confluent-kafka (bench/stream_peer.py). Input: bench/make_resampled.py's 231,646 rows.
# Env: MQTTIDS (the tool), SHARED, BENCH_OUT (set by bench/run.sh), MODEL (optional model
# file for the classification rate; default: train one with 'mqttids train' if it exists).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
: "${MQTTIDS:?set MQTTIDS or run through bench/run.sh}"
SHARED=${SHARED:-$(cd "$HERE/../../shared/data/mqttset" && pwd)}
BENCH_OUT=${BENCH_OUT:-$HERE/out}
mkdir -p "$BENCH_OUT"
F=$BENCH_OUT/resampled_231646.csv
[[ -f $F ]] || /usr/bin/python3 "$HERE/make_resampled.py" "$SHARED" "$F"
N=$(($(wc -l <"$F") - 1))
W=$(mktemp -d)
MOCK=
cleanup() { [[ -n $MOCK ]] && kill "$MOCK" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$W"; }
trap cleanup EXIT
py() { /usr/bin/python3 -c "$@"; }
field() { py "import json,sys; print(json.load(open(sys.argv[1]))$2)" "$1"; }

echo "input: $F ($N records), $(nproc) cores"
# 64 partitions: mock brokers keep ~5 MB per partition, the JSON topic is ~175 MB
"$MQTTIDS" stream mock-cluster -q --address-file "$W/addr" -t recs:64 -t recs.alerts:64 -t recb:64 -t recb.alerts:64 \
  >/dev/null 2>"$W/mock.err" &
MOCK=$!
for _ in $(seq 1 50); do [[ -s $W/addr ]] && break; sleep 0.1; done
B=$(cat "$W/addr")

# 1. end to end, three processes (mock cluster, producer, detector), JSON and binary
for fmt in json binary; do
  t=recs; [[ $fmt == binary ]] && t=recb
  "$MQTTIDS" stream detect -b "$B" -t $t -g "e2e-$fmt" --model none --max-records "$N" --stats-interval 100 --json \
    >"$W/det_$fmt.json" 2>"$W/det_$fmt.err" &
  D=$!
  for _ in $(seq 1 150); do grep -q "partitions [1-9]" "$W/det_$fmt.err" && break; sleep 0.1; done
  "$MQTTIDS" stream produce -q -b "$B" -t $t --format $fmt --json "$F" >"$W/prod_$fmt.json"
  wait $D
  e2e=$(py "import json,sys; d=json.load(open(sys.argv[1])); p=json.load(open(sys.argv[2])); print('%.0f' % (d['consumed']/(d['last_ack_unix']-p['start_unix'])))" \
    "$W/det_$fmt.json" "$W/prod_$fmt.json")
  eval "E2E_$fmt=$e2e"
  printf "end to end (%s, 3 processes): %s records/s; producer alone %.0f records/s; detector %.0f records/s; %s alerts; %.0f bytes/record\n" \
    $fmt "$e2e" "$(field "$W/prod_$fmt.json" "['records_per_second']")" "$(field "$W/det_$fmt.json" "['records_per_second']")" \
    "$(field "$W/det_$fmt.json" "['alerted']")" "$(py "import json,sys; p=json.load(open(sys.argv[1])); print(p['bytes']/p['sent'])" "$W/prod_$fmt.json")"
done
echo "binary vs json, end to end: $(py "print('%.2fx' % ($E2E_binary/$E2E_json))")"

# 2. one process: embedded mock cluster, replay thread + detector
"$MQTTIDS" stream detect -b mock -t one -g one --model none --replay "$F" --mock-partitions 64 --stats-interval 0 -q --json >"$W/one.json"
printf "end to end (json, one process --brokers mock): %.0f records/s\n" "$(field "$W/one.json" "['end_to_end_records_per_second']")"

# 3. the detector alone on a full topic vs the Python peer (same job, same topic)
"$MQTTIDS" stream detect -b "$B" -t recs -g full --model none --max-records "$N" --stats-interval 0 -q --json >"$W/full.json"
OURS=$(field "$W/full.json" "['records_per_second']")
PEER=$(/usr/bin/python3 "$HERE/stream_peer.py" "$B" recs peer "$N" | field /dev/stdin "['records_per_second']")
printf "detector on a full JSON topic: mqttids %.0f records/s, python confluent-kafka peer %.0f records/s, ratio %.1fx\n" \
  "$OURS" "$PEER" "$(py "print($OURS/$PEER)")"

# 4. the classifier's own rate with a real model
MODEL=${MODEL:-}
if [[ -z $MODEL ]] && "$MQTTIDS" train --help >/dev/null 2>&1; then
  MODEL=$W/rf.model
  "$MQTTIDS" train -q --model rf --out "$MODEL" "$F" >/dev/null 2>"$W/train.err" || { echo "(train failed: $(tail -1 "$W/train.err"))"; MODEL=; }
fi
if [[ -n $MODEL ]]; then
  "$MQTTIDS" stream detect -b "$B" -t recs -g model -m "$MODEL" --max-records "$N" --stats-interval 0 -q --json >"$W/model.json"
  printf "with model %s: detector %.0f records/s, classification alone %.0f records/s, %s alerts\n" \
    "$(field "$W/model.json" "['model']")" "$(field "$W/model.json" "['records_per_second']")" \
    "$(field "$W/model.json" "['classify_records_per_second']")" "$(field "$W/model.json" "['alerted']")"
else
  echo "classification rate: no model (set MODEL=FILE; 'mqttids train' not in this build)"
fi
