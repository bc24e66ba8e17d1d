#!/usr/bin/env bash
# Feed-forward networks (src/ml/nn.c) vs PyTorch on the same feature matrix (the study's pipeline
# on the 231,646-row resampled train set), one epoch at batch 64, both networks of
# the study. PyTorch: 2 threads, (a) a plain tensor-slicing loop, (b) the study's DataLoader loop.
# mqttids: one thread (wall and CPU time, best of 3); an epoch is the difference between a
# 5-epoch and a 1-epoch fit over 4 (what the peer's loop times: its model is built before its
# clock starts); the fit's setup (float row table, allocations) is printed apart. Then both
# networks' tuning grids
# (lr {0.1,0.01,0.001} x batch {32,64,128}, 20 epochs each, validation pass every epoch),
# grid points on 2 threads.
set -euo pipefail
OUT=${BENCH_OUT:?}; BUILD=${BUILD:?}
csv=$OUT/resampled_231646.csv
[[ -f $csv ]] || /usr/bin/python3 "$(dirname "$0")/make_resampled.py" "$SHARED" "$csv"
# interleaved (ours, peer, ours, peer, ...) so that load from other work hits both alike;
# every figure is the best over RUNS (default 2) rounds; the grids run once, at the end
m=; p=
for i in $(seq "${RUNS:-2}"); do
  m+=$("$BUILD/bench/nn_bench" "$csv" "$OUT/nn_matrix" none)$'\n'
  p+=$(/usr/bin/python3 "$(dirname "$0")/nn_peer.py" "$OUT/nn_matrix" 1)$'\n'
done
[[ ${NN_GRID-grid} == grid ]] && m+=$("$BUILD/bench/nn_bench" "$csv" "$OUT/nn_matrix" grid | grep '^grid')$'\n'
# best of the rounds: for each (kind, layers) the line with the smallest time
bestof() { awk '$1 ~ /^(epoch|plain|plain1|dataloader|grid)$/ { k = $1 " " $2; if (!(k in b) || $3 < b[k]) { b[k] = $3; l[k] = $0 } }
  END { for (k in l) print l[k] }' | sort; }
m=$(bestof <<<"$m"); p=$(bestof <<<"$p")
echo "$m"
echo "$p"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores (a busy machine slows torch's 2-thread pool most)"
if command -v valgrind >/dev/null; then
  # instruction counts (do not depend on the load): one 1-epoch fit of model 2 at batch 32
  valgrind --tool=callgrind --callgrind-out-file="$OUT/nn.cg" "$BUILD/bench/nn_bench" --fit "$OUT/nn_matrix" \
    16,16,16,8 0.01 32 1 >/dev/null 2>&1
  echo "instructions (callgrind), fit of model 2, lr 0.01, batch 32, 1 epoch: $(callgrind_annotate --inclusive=yes "$OUT/nn.cg" 2>/dev/null | awk '/:fit /{print $1; exit}')"
  rm -f "$OUT/nn.cg"
fi
for net in 16 16,16,16,8; do
  ours=$(awk -v n="$net" '$1=="epoch" && $2==n {print $3}' <<<"$m")
  setup=$(awk -v n="$net" '$1=="epoch" && $2==n {print $7}' <<<"$m")
  plain=$(awk -v n="$net" '$1=="plain" && $2==n {print $3}' <<<"$p")
  plain1=$(awk -v n="$net" '$1=="plain1" && $2==n {print $3}' <<<"$p")
  dl=$(awk -v n="$net" '$1=="dataloader" && $2==n {print $3}' <<<"$p")
  awk -v n="$net" -v a="$ours" -v b="$plain" -v b1="$plain1" -v c="$dl" -v s="$setup" 'BEGIN{
    printf "one epoch, layers=%s, batch 64: mqttids %.4f s (+ %.3f s setup per fit) | torch 2 threads: plain loop %.3f s (ratio %.1fx), DataLoader %.3f s (ratio %.1fx) | torch 1 thread plain loop %.3f s (ratio %.1fx)\n", n, a, s, b, b/a, c, c/a, b1, b1/a }'
  g=$(awk -v n="$net" '$1=="grid" && $2==n {print $3}' <<<"$m")
  [[ -n $g ]] && awk -v n="$net" -v g="$g" -v b="$plain" 'BEGIN{
    printf "grid, layers=%s, 9 points x 20 epochs: mqttids %.1f s on 2 threads (torch plain loop, estimated from one epoch x 180: %.0f s)\n", n, g, b*180 }'
done
rm -f "$OUT/nn_matrix.X.f32" "$OUT/nn_matrix.y.i64"
