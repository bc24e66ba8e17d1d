#!/usr/bin/env bash
# Feed-forward networks (src/ml/nn.c) vs PyTorch on the same feature matrix (the study's pipeline
# on the 231,646-row resampled train set), one epoch at batch 64, both networks of
# the study. PyTorch: 2 threads, (a) a plain tensor-slicing loop, (b) the study's DataLoader loop.
# mqttids: one thread (wall and CPU time, best of 3). Then both networks' tuning grids
# (lr {0.1,0.01,0.001} x batch {32,64,128}, 20 epochs each, validation pass every epoch),
# grid points on 2 threads.
set -euo pipefail
OUT=${BENCH_OUT:?}; BUILD=${BUILD:?}
csv=$OUT/resampled_231646.csv
[[ -f $csv ]] || /usr/bin/python3 "$(dirname "$0")/make_resampled.py" "$SHARED" "$csv"
m=$("$BUILD/bench/nn_bench" "$csv" "$OUT/nn_matrix" ${NN_GRID-grid})
p=$(/usr/bin/python3 "$(dirname "$0")/nn_peer.py" "$OUT/nn_matrix" 2)
echo "$m"
echo "$p"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores (a busy machine slows torch's 2-thread pool most)"
for net in 16 16,16,16,8; do
  ours=$(awk -v n="$net" '$1=="epoch" && $2==n {print $3}' <<<"$m")
  plain=$(awk -v n="$net" '$1=="plain" && $2==n {print $3}' <<<"$p")
  plain1=$(awk -v n="$net" '$1=="plain1" && $2==n {print $3}' <<<"$p")
  dl=$(awk -v n="$net" '$1=="dataloader" && $2==n {print $3}' <<<"$p")
  awk -v n="$net" -v a="$ours" -v b="$plain" -v b1="$plain1" -v c="$dl" 'BEGIN{
    printf "one epoch, layers=%s, batch 64: mqttids %.3f s | torch 2 threads: plain loop %.3f s (ratio %.1fx), DataLoader %.3f s (ratio %.1fx) | torch 1 thread plain loop %.3f s (ratio %.1fx)\n", n, a, b, b/a, c, c/a, b1, b1/a }'
  g=$(awk -v n="$net" '$1=="grid" && $2==n {print $3}' <<<"$m")
  [[ -n $g ]] && awk -v n="$net" -v g="$g" -v b="$plain" 'BEGIN{
    printf "grid, layers=%s, 9 points x 20 epochs: mqttids %.1f s on 2 threads (torch plain loop, estimated from one epoch x 180: %.0f s)\n", n, g, b*180 }'
done
rm -f "$OUT/nn_matrix.X.f32" "$OUT/nn_matrix.y.i64"
