#!/usr/bin/env bash
# Random forest against sklearn, quality and speed, on two data sets:
#  heldout   : the six MQTTset pcap heads (../shared/data/mqttset/pcap_l-laura) through
#              `mqttids extract --label C` (benign = legitimate, malariados = dos); per capture
#              the first 70% of packets train, the later 30% test (as MQTTset splits);
#  resampled : the 231,646-row resampled set (bench/make_resampled.py) to train, the six
#              derived head CSVs to test (as bench/experiment.sh).
# Both sides fit the same matrix: bench/rf_bench.c fits the study's feature pipeline on the
# train rows (the columns the study keeps, one-hot nominals) and writes it for
# bench/rf_peer.py. Ours: 20 trees, maxDepth 30, the learner's defaults (splits=exact);
# peer: sklearn RandomForestClassifier(20, max_depth=30, max_features='sqrt', n_jobs=2).
# RUNS runs per side (default 5) with seeds 1..RUNS, interleaved: test accuracy and
# macro-F1 are the mean (+- s.d.) over the seeds, fit time the best run (shared machine).
# Ours with splits=spark (Spark's binned semantics, what `experiment` runs) is shown too.
# usage: bench/rf.sh [BUILD_DIR]   (env: BUILD, BENCH_OUT, SHARED, RUNS, TREES, DEPTH)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${1:-${BUILD:-$HERE/../build}}
SHARED=${SHARED:-$(cd "$HERE/../../shared/data/mqttset" && pwd)}
OUT=${BENCH_OUT:-$HERE/out}
RUNS=${RUNS:-5} TREES=${TREES:-20} DEPTH=${DEPTH:-30}
DRIVER="$BUILD/bench/rf_bench" MQ=${MQTTIDS:-$BUILD/cli/mqttids}
[[ -x $DRIVER && -x $MQ ]] || { echo "rf.sh: $DRIVER or $MQ not built (cmake --build $BUILD)"; exit 1; }
mkdir -p "$OUT/rf_heldout"
CSV="$OUT/resampled_231646.csv"
[[ -f $CSV ]] || /usr/bin/python3 "$HERE/make_resampled.py" "$SHARED" "$CSV"

# the held-out split from the captures
H=$OUT/rf_heldout htr=() hte=()
for x in benign:legitimate bruteforce:bruteforce flood:flood malariados:dos malformed:malformed slowite:slowite; do
  cap=${x%%:*} cls=${x##*:}
  f=$(ls "$SHARED/pcap_l-laura/$cap"-head.pcap* | head -1)
  "$MQ" extract -q -r "$f" --label "$cls" -o "$H/$cls.csv"
  n=$(($(wc -l < "$H/$cls.csv") - 1)) k=$((n * 7 / 10))
  head -n $((k + 1)) "$H/$cls.csv" > "$H/$cls.train.csv"
  { head -1 "$H/$cls.csv"; tail -n +$((k + 2)) "$H/$cls.csv"; } > "$H/$cls.test.csv"
  htr+=("$H/$cls.train.csv") hte+=("$H/$cls.test.csv")
done
join() { local IFS=,; echo "$*"; }
heads=("$SHARED"/derived_from_pcap/*_head.csv)

get() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }
# mean_sd KEY FILES...: "mean sd" of KEY over the files
mean_sd() { local k=$1; shift; for f in "$@"; do get "$k" "$f"; done |
  awk '{ v[NR] = $1; s += $1 } END { m = s / NR; for (i = 1; i <= NR; i++) q += (v[i] - m) ^ 2;
         printf "%.4f %.4f\n", m, (NR > 1 ? sqrt(q / (NR - 1)) : 0) }'; }
best() { local k=$1; shift; for f in "$@"; do get "$k" "$f"; done | sort -g | head -1; }
top() { local k=$1; shift; for f in "$@"; do get "$k" "$f"; done | sort -g | tail -1; }

bench_set() { # NAME TRAIN_LIST TEST_LIST
  local name=$1 tr=$2 te=$3 P="$OUT/rf_$1"
  for ((i = 1; i <= RUNS; i++)); do
    RF_SEED=$i "$DRIVER" "$P" "$tr" "$te" "$TREES" "$DEPTH" 2 > "$OUT/rf_$name.ours.$i.txt"
    /usr/bin/python3 "$HERE/rf_peer.py" "$P" "$TREES" "$DEPTH" 2 "$i" > "$OUT/rf_$name.peer.$i.txt"
    RF_SEED=$i "$DRIVER" "$P" "$tr" "$te" "$TREES" "$DEPTH" 2 splits=spark > "$OUT/rf_$name.spark.$i.txt"
  done
  local O=("$OUT/rf_$name".ours.*.txt) S=("$OUT/rf_$name".peer.*.txt) K=("$OUT/rf_$name".spark.*.txt)
  read -r oa oas <<< "$(mean_sd test_accuracy "${O[@]}")"; read -r of1 of1s <<< "$(mean_sd test_macro_f1 "${O[@]}")"
  read -r pa pas <<< "$(mean_sd test_accuracy "${S[@]}")"; read -r pf1 pf1s <<< "$(mean_sd test_macro_f1 "${S[@]}")"
  read -r ka kas <<< "$(mean_sd test_accuracy "${K[@]}")"; read -r kf1 kf1s <<< "$(mean_sd test_macro_f1 "${K[@]}")"
  local of pf kf op pp
  of=$(best fit_s "${O[@]}") pf=$(best fit_s "${S[@]}") kf=$(best fit_s "${K[@]}")
  op=$(top predict_rows_per_s_per_core "${O[@]}") pp=$(top predict_rows_per_s_per_core "${S[@]}")
  echo "$name: $(get rows "${O[0]}") train rows, $(get test_rows "${O[0]}") test rows, $(get features "${O[0]}") features ($(get columns "${O[0]}")), $TREES trees, maxDepth $DEPTH, seeds 1..$RUNS"
  echo "  mqttids rf (exact): $(grep '^state' "${O[0]}" | cut -d' ' -f2-)"
  echo "  sklearn rf        : $(grep '^state' "${S[0]}" | cut -d' ' -f2-)"
  printf '  %-20s %-18s %-18s %s\n' "" "test accuracy" "test macro-F1" "fit (best)"
  printf '  %-20s %.4f +- %.4f  %.4f +- %.4f  %.3f s\n' "mqttids rf (exact)" "$oa" "$oas" "$of1" "$of1s" "$of"
  printf '  %-20s %.4f +- %.4f  %.4f +- %.4f  %.3f s\n' "sklearn rf" "$pa" "$pas" "$pf1" "$pf1s" "$pf"
  printf '  %-20s %.4f +- %.4f  %.4f +- %.4f  %.3f s\n' "mqttids splits=spark" "$ka" "$kas" "$kf1" "$kf1s" "$kf"
  awk -v oa="$oa" -v pa="$pa" -v of1="$of1" -v pf1="$pf1" -v of="$of" -v pf="$pf" -v op="$op" -v pp="$pp" 'BEGIN {
    printf "  exact vs sklearn: accuracy %+.4f, macro-F1 %+.4f (goal >= 0: %s); fit %.1fx faster; predict %.0f vs %.0f rows/s/core (%.1fx)\n",
      oa - pa, of1 - pf1, (oa >= pa && of1 >= pf1) ? "met" : "NOT met", pf / of, op, pp, op / pp }'
}
bench_set heldout "$(join "${htr[@]}")" "$(join "${hte[@]}")"
bench_set resampled "$CSV" "$(join "${heads[@]}")"
