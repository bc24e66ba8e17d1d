#!/usr/bin/env bash
# Random forest speed against sklearn, on the 231,646-row resampled train set (bench/make_resampled.py).
# Ours: bench/rf_bench.c (20 trees, maxDepth 30, Spark defaults otherwise, 2 threads);
# peer: bench/rf_peer.py, sklearn RandomForestClassifier(n_estimators=20, max_depth=30,
# max_features='sqrt', n_jobs=2) on the very matrix rf_bench wrote. Each side runs RUNS times
# (default 3) and the best wall time counts (the machine is shared). Prediction: rows/s on one core.
# usage: bench/rf.sh [BUILD_DIR]   (env: BUILD, BENCH_OUT, SHARED, RUNS, TREES, DEPTH)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${1:-${BUILD:-$HERE/../build}}
SHARED=${SHARED:-$(cd "$HERE/../../shared/data/mqttset" && pwd)}
OUT=${BENCH_OUT:-$HERE/out}
RUNS=${RUNS:-3} TREES=${TREES:-20} DEPTH=${DEPTH:-30}
DRIVER="$BUILD/bench/rf_bench"
[[ -x $DRIVER ]] || { echo "rf.sh: $DRIVER not built (cmake --build $BUILD --target rf_bench)"; exit 1; }
mkdir -p "$OUT"
CSV="$OUT/resampled_231646.csv"
[[ -f $CSV ]] || /usr/bin/python3 "$HERE/make_resampled.py" "$SHARED" "$CSV"
PREFIX="$OUT/rf_matrix"

best() { sort -g | head -1; }
ours_fit=() ; peer_fit=()
for ((i = 0; i < RUNS; i++)); do
  "$DRIVER" "$CSV" "$PREFIX" "$TREES" "$DEPTH" 2 > "$OUT/rf_ours.$i.txt"
  /usr/bin/python3 "$HERE/rf_peer.py" "$PREFIX" "$TREES" "$DEPTH" 2 > "$OUT/rf_peer.$i.txt"
done
get() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }
of=$(for f in "$OUT"/rf_ours.*.txt; do get fit_s "$f"; done | best)
pf=$(for f in "$OUT"/rf_peer.*.txt; do get fit_s "$f"; done | best)
op=$(for f in "$OUT"/rf_ours.*.txt; do get predict_rows_per_s_per_core "$f"; done | sort -g | tail -1)
pp=$(for f in "$OUT"/rf_peer.*.txt; do get predict_rows_per_s_per_core "$f"; done | sort -g | tail -1)
echo "data: $(get rows "$OUT/rf_ours.0.txt") rows x $(get features "$OUT/rf_ours.0.txt") features, $TREES trees, maxDepth $DEPTH, 2 threads/jobs, best of $RUNS"
echo "mqttids rf : $(grep '^state' "$OUT/rf_ours.0.txt" | cut -d' ' -f2-), train accuracy $(get train_accuracy "$OUT/rf_ours.0.txt")"
echo "sklearn rf : $(grep '^state' "$OUT/rf_peer.0.txt" | cut -d' ' -f2-), train accuracy $(get train_accuracy "$OUT/rf_peer.0.txt")"
awk -v of="$of" -v pf="$pf" -v op="$op" -v pp="$pp" 'BEGIN {
  printf "fit      : mqttids %.3f s, sklearn %.3f s, ratio %.1fx (goal >= 10x)\n", of, pf, pf / of
  printf "predict  : mqttids %.0f rows/s/core, sklearn %.0f rows/s/core, ratio %.1fx\n", op, pp, op / pp
}'
