#!/usr/bin/env bash
# make bench: runs every bench/*.sh (each prints its figures and the ratio against its peer).
# usage: bench/run.sh BUILD_DIR [NAME...]
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
shift || true
HERE=$(cd "$(dirname "$0")" && pwd)
export MQTTIDS="$BUILD/cli/mqttids" BUILD SHARED=${SHARED:-$(cd "$HERE/../../shared/data/mqttset" && pwd)}
export BENCH_OUT=${BENCH_OUT:-$HERE/out}
mkdir -p "$BENCH_OUT"
[[ -f "$BENCH_OUT/resampled_231646.csv" ]] || /usr/bin/python3 "$HERE/make_resampled.py" "$SHARED" "$BENCH_OUT/resampled_231646.csv"
names=("$@")
if ((${#names[@]} == 0)); then
  for f in "$HERE"/*.sh; do b=$(basename "$f" .sh); [[ $b == run ]] || names+=("$b"); done
fi
for n in "${names[@]}"; do
  echo "=== bench/$n.sh"
  bash "$HERE/$n.sh" || echo "bench/$n.sh failed (exit $?)"
done
