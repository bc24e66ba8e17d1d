#!/usr/bin/env bash
# CSV reader vs pandas.read_csv (explicit schema, C engine) on the same files, one core each.
# Files: the 231,646-row resampled file and a 10x larger one (2,316,460 rows).
set -euo pipefail
OUT=${BENCH_OUT:?}; BUILD=${BUILD:?}
one=$OUT/resampled_231646.csv
ten=$OUT/resampled_2316460.csv
[[ -f $ten ]] || /usr/bin/python3 "$(dirname "$0")/make_resampled.py" "$SHARED" "$ten" 10
for f in "$one" "$ten"; do
  runs=3; [[ $f == "$ten" ]] && runs=2
  m=$(taskset -c 0 "$BUILD/bench/csv_bench" "$f" $runs)
  p=$(taskset -c 0 /usr/bin/python3 "$(dirname "$0")/csv_peer.py" "$f" $runs)
  ms=$(awk '{print $6}' <<<"$m"); ps=$(awk '{print $4}' <<<"$p")
  mb=$(awk '{print $8}' <<<"$m")
  rows=$(awk '{print $2}' <<<"$m")
  awk -v f="$(basename "$f")" -v r="$rows" -v a="$ms" -v b="$ps" -v mb="$mb" 'BEGIN{
    printf "%s: %d rows  mqttids %.3f s (%.0f MB/s)  pandas %.3f s  ratio %.1fx\n", f, r, a, mb, b, b/a }'
done
