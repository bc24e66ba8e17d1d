#!/usr/bin/env bash
# `mqttids stats` (read + the study's whole exploration, src/dataset/stats.c) vs pandas doing the
# same exploration (bench/stats_peer.py) on the 231,646-row resampled file, one core each,
# interleaved runs, best of RUNS (default 5). With valgrind installed, also the instruction
# count of one `mqttids stats` run (callgrind), which does not depend on the machine's load.
set -euo pipefail
OUT=${BENCH_OUT:?}; MQTTIDS=${MQTTIDS:?}
f=$OUT/resampled_231646.csv
now() { date +%s.%N; }
ours=; peer=
for i in $(seq "${RUNS:-5}"); do
  t0=$(now); taskset -c 0 "$MQTTIDS" stats -q --json "$f" >/dev/null; t1=$(now)
  ours=$(awk -v a="$t0" -v b="$t1" -v o="$ours" 'BEGIN{t=b-a; print (o == "" || t < o) ? t : o}')
  p=$(taskset -c 0 /usr/bin/python3 "$(dirname "$0")/stats_peer.py" "$f" 1 | awk '{print $4}')
  peer=$(awk -v a="$p" -v o="$peer" 'BEGIN{print (o == "" || a < o) ? a : o}')
done
awk -v a="$ours" -v b="$peer" -v l="$(cut -d' ' -f1-3 /proc/loadavg)" 'BEGIN{
  printf "stats, 231,646 rows (read + exploration), one core: mqttids %.3f s  pandas %.3f s  ratio %.1fx  (load %s)\n", a, b, b/a, l }'
if command -v valgrind >/dev/null; then
  valgrind --tool=callgrind --callgrind-out-file="$OUT/stats.cg" "$MQTTIDS" stats -q --json "$f" >/dev/null 2>&1
  ir=$(callgrind_annotate "$OUT/stats.cg" 2>/dev/null | awk '/PROGRAM TOTALS/{print $1}')
  sc=$(callgrind_annotate --inclusive=yes "$OUT/stats.cg" 2>/dev/null | awk '/mqttids_stats_compute/{print $1; exit}')
  echo "instructions (callgrind): whole run $ir, mqttids_stats_compute $sc"
  rm -f "$OUT/stats.cg"
fi
