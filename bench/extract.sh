#!/usr/bin/env bash
# `mqttids extract` vs tshark 4.0 producing the same rows (-T fields, the 60 MQTTset fields,
# -E occurrence=f, TCP timestamps on) on the same file, one core each. The file: the four
# Ethernet MQTTset heads (bruteforce, malariados, malformed, slowite) replicated REPS times
# (default 10: about 262k packets), each copy its own hosts. The rows are checked equal
# (tshark + emulate_mqttset.py vs mqttids) before timing is reported.
set -euo pipefail
OUT=${BENCH_OUT:?}; MQTTIDS=${MQTTIDS:?}; SHARED=${SHARED:?}
REPS=${REPS:-10}
HERE=$(cd "$(dirname "$0")" && pwd)
command -v tshark >/dev/null || { echo "tshark not installed: skipped"; exit 0; }
big=$OUT/extract_x$REPS.pcap
if [[ ! -f $big ]]; then
  parts=()
  for n in bruteforce malariados malformed slowite; do
    f=$(ls "$SHARED/pcap_l-laura/$n"-head.pcap* | head -1)
    editcap -F nsecpcap "$f" "$OUT/extract_$n.pcap"
    parts+=("$OUT/extract_$n.pcap")
  done
  /usr/bin/python3 "$HERE/extract_replicate.py" "$big" "$REPS" "${parts[@]}"
  rm -f "${parts[@]}"
fi
fields=$(tr ' ' '\n' < "$SHARED/derived_from_pcap/tshark_fields.txt" | sed '/^$/d; s/^/-e /' | tr '\n' ' ')
now() { date +%s.%N; }
# correctness first, on this file
# shellcheck disable=SC2086
t0=$(now); taskset -c 0 tshark -r "$big" -o tcp.calculate_timestamps:TRUE -T fields -E header=y -E separator=, \
  -E occurrence=f $fields > "$OUT/extract_tshark.raw" 2>/dev/null; t1=$(now)
/usr/bin/python3 "$HERE/../tests/integration/capture_emulate.py" "$OUT/extract_tshark.raw" legitimate > "$OUT/extract_ref.csv" 2>/dev/null
t2=$(now)
best=
for i in 1 2 3; do
  a=$(now); taskset -c 0 "$MQTTIDS" extract -q -r "$big" --label legitimate -o "$OUT/extract_mine.csv"; b=$(now)
  d=$(awk -v a="$a" -v b="$b" 'BEGIN{print b-a}')
  [[ -z $best ]] || awk -v d="$d" -v b="$best" 'BEGIN{exit !(d<b)}' && best=$d
done
same=DIFFERENT; cmp -s "$OUT/extract_mine.csv" "$OUT/extract_ref.csv" && same="identical rows"
pk=$(($(wc -l < "$OUT/extract_mine.csv") - 1))
awk -v n="$pk" -v m="$best" -v t="$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')" \
    -v e="$(awk -v a="$t1" -v b="$t2" 'BEGIN{print b-a}')" -v s="$same" -v f="$(basename "$big")" 'BEGIN{
  printf "%s: %d packets (%s)\n", f, n, s
  printf "  mqttids extract   %8.3f s  %10.0f packets/s\n", m, n/m
  printf "  tshark -T fields  %8.3f s  %10.0f packets/s   ratio %.1fx\n", t, n/t, t/m
  printf "  tshark + MQTTset emulation (python) %8.3f s   ratio %.1fx\n", t+e, (t+e)/m }'
rm -f "$OUT/extract_tshark.raw" "$OUT/extract_ref.csv" "$OUT/extract_mine.csv"
[[ $same == "identical rows" ]]
