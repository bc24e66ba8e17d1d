#!/usr/bin/env bash
# LR fit: mqttids (L-BFGS, 2 threads) vs sklearn LogisticRegression(lbfgs, multinomial,
# n_jobs irrelevant for lbfgs multinomial) on the 231,646-row resampled train set, both on
# the SAME feature matrix (mqttids' fitted study pipeline, dumped by `train --dump-features`),
# the study's baseline (regParam 0 = sklearn penalty=None, maxIter 100 = max_iter 100).
# Prints fit seconds, the training objective each reached (mean log-loss, recomputed by
# bench/lr_peer.py from both models' probabilities) and the ratio. mqttids also runs with
# compress=false (no merging of identical rows) so the figure without that trick is visible.
set -euo pipefail
OUT=${BENCH_OUT:?}; MQTTIDS=${MQTTIDS:?}
HERE=$(cd "$(dirname "$0")" && pwd)
f=$OUT/resampled_231646.csv
X=$OUT/lr_features.csv
for mode in compress nocompress; do
  extra=(); [[ $mode == nocompress ]] && extra=(--param compress=false)
  args=(train -q --json --model lr --param regParam=0 --param maxIter=100 --threads 2 "${extra[@]}" --train "$f" -o "$OUT/lr_$mode.model")
  [[ $mode == compress ]] && args+=(--dump-features "$X")
  "$MQTTIDS" "${args[@]}" > "$OUT/lr_$mode.json"
  "$MQTTIDS" predict -q --model "$OUT/lr_$mode.model" "$f" -o "$OUT/lr_${mode}_pred.csv"
done
/usr/bin/python3 "$HERE/lr_peer.py" "$X" "$OUT/lr_compress.json" "$OUT/lr_compress_pred.csv" \
  "$OUT/lr_nocompress.json" "$OUT/lr_nocompress_pred.csv"
