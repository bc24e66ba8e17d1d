# Sourced by tests/cli/*.sh that run on the shared heads: the harness (set -u, counters pass
# and fail, ok CMD... counting CMD's success, a work dir T removed on exit), then the shared
# head CSVs split as MQTTset does (per class file the first 70% of rows train, the rest test)
# into $T, filling TR (--train FILE ...) and TE (--test FILE ...); exits 77 (skip) without
# the shared data. Needs SHARED.
set -u
pass=0; fail=0
ok() { if "$@"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: $*"; fi; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
H=$SHARED/derived_from_pcap
ls "$H"/*_head.csv >/dev/null 2>&1 || { echo "no shared head CSVs: skipped"; exit 77; }
TR=(); TE=()
for f in "$H"/*_head.csv; do
  b=$(basename "$f" .csv); n=$(($(wc -l < "$f") - 1)); k=$((n * 7 / 10))
  { head -1 "$f"; sed -n "2,$((k + 1))p" "$f"; } > "$T/${b}_train.csv"
  { head -1 "$f"; sed -n "$((k + 2)),\$p" "$f"; } > "$T/${b}_test.csv"
  TR+=(--train "$T/${b}_train.csv"); TE+=(--test "$T/${b}_test.csv")
done
