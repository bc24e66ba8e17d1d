#!/usr/bin/env bash
# `mqttids extract` vs tshark 4.0 producing the same rows (-T fields, the 60 MQTTset fields,
# -E occurrence=f, TCP timestamps on) on the same file, one core each. The file: the four
# Ethernet MQTTset heads (bruteforce, malariados, malformed, slowite) replicated REPS times
# (default 10: about 262k packets), each copy its own hosts. The rows are checked equal
# (tshark + emulate_mqttset.py vs mqttids) in the same run. Figures: best of 2 tshark runs and
# 3 mqttids runs, CPU time (user+sys) and wall time, one core (taskset).
set -euo pipefail
OUT=${BENCH_OUT:?}; MQTTIDS=${MQTTIDS:?}; SHARED=${SHARED:?}
REPS=${REPS:-10}
HERE=$(cd "$(dirname "$0")" && pwd)
command -v tshark >/dev/null || { echo "tshark not installed: skipped"; exit 0; }
big=$OUT/extract_x$REPS.pcap
[[ -f $big ]] || /usr/bin/python3 "$HERE/extract_replicate.py" "$big" "$REPS" --heads "$SHARED/pcap_l-laura"
fields=$(tr ' ' '\n' < "$SHARED/derived_from_pcap/tshark_fields.txt" | sed '/^$/d; s/^/-e /' | tr '\n' ' ')
# each run: wall seconds and CPU seconds (user + sys), via GNU time; the machine is shared,
# so CPU time is the steadier figure, and the best of 3 runs is kept for each tool
timed() {
  local tag=$1; shift
  /usr/bin/time -f "%e %U %S" -o "$OUT/extract_time" "$@"
  awk '{printf "%s %.3f\n", $1, $2 + $3}' "$OUT/extract_time" >> "$OUT/extract_times_$tag"
}
rm -f "$OUT"/extract_times_*
for i in 1 2; do
  # shellcheck disable=SC2086
  timed tshark taskset -c 0 tshark -r "$big" -o tcp.calculate_timestamps:TRUE -T fields -E header=y \
    -E separator=, -E occurrence=f $fields > "$OUT/extract_tshark.raw" 2>/dev/null
done
/usr/bin/python3 "$HERE/../tests/integration/capture_emulate.py" "$OUT/extract_tshark.raw" legitimate > "$OUT/extract_ref.csv" 2>/dev/null
for i in 1 2 3; do
  timed mqttids taskset -c 0 "$MQTTIDS" extract -q -r "$big" --label legitimate -o "$OUT/extract_mine.csv"
done
t=$(sort -n -k2 "$OUT/extract_times_tshark" | head -1)
m=$(sort -n -k2 "$OUT/extract_times_mqttids" | head -1)
same=DIFFERENT; cmp -s "$OUT/extract_mine.csv" "$OUT/extract_ref.csv" && same="identical rows"
pk=$(($(wc -l < "$OUT/extract_mine.csv") - 1))
awk -v n="$pk" -v m="$m" -v t="$t" -v s="$same" -v f="$(basename "$big")" -v l="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN{
  split(m, a, " "); split(t, b, " ")
  printf "%s: %d packets (%s), load average %s\n", f, n, s, l
  printf "  mqttids extract   wall %7.3f s  cpu %7.3f s  %9.0f packets/s (cpu)\n", a[1], a[2], n/a[2]
  printf "  tshark -T fields  wall %7.3f s  cpu %7.3f s  %9.0f packets/s (cpu)\n", b[1], b[2], n/b[2]
  printf "  ratio (tshark / mqttids): cpu %.1fx, wall %.1fx\n", b[2]/a[2], b[1]/a[1] }'
rm -f "$OUT/extract_tshark.raw" "$OUT/extract_ref.csv" "$OUT/extract_mine.csv" "$OUT/extract_time" "$OUT"/extract_times_*
[[ $same == "identical rows" ]]
