#!/usr/bin/env bash
# `mqttids extract --context` vs plain `mqttids extract` on the same file, one core each:
# what the flow-context columns (docs/internals/context.md) cost in packets/s. The file: the
# four Ethernet MQTTset heads (bruteforce, malariados, malformed, slowite) replicated REPS
# times by extract_replicate.py (default 10: about 262k packets; each copy its own hosts, so
# the stream and source tables grow as with more clients). Runs interleaved, best of RUNS
# (default 5) each. Requirement:
# the context keeps at least half of the plain throughput (ratio >= 0.5).
set -euo pipefail
OUT=${BENCH_OUT:?}; MQTTIDS=${MQTTIDS:?}; SHARED=${SHARED:?}
REPS=${REPS:-10}
HERE=$(cd "$(dirname "$0")" && pwd)
command -v editcap >/dev/null && [[ -x /usr/bin/time ]] || { echo "editcap or /usr/bin/time missing: skipped"; exit 0; }
big=$OUT/extract_x$REPS.pcap
[[ -f $big ]] || /usr/bin/python3 "$HERE/extract_replicate.py" "$big" "$REPS" --heads "$SHARED/pcap_l-laura"
now() { date +%s.%N; }
one() { # args...: "wall cpu" seconds of one run (cpu: user + system)
  /usr/bin/time -f '%e %U %S' -o "$OUT/context_time" taskset -c 0 "$MQTTIDS" extract -q -r "$big" \
    --label legitimate "$@" -o "$OUT/context_out.csv"
  awk '{print $1, $2 + $3}' "$OUT/context_time"
}
best() { awk -v a="$1" -v b="$2" 'BEGIN{print (b == "" || a < b) ? a : b}'; }
# interleaved (plain, context, plain, ...) so that load from other work hits both alike; best of RUNS
plain=; ctx=; plain_cpu=; ctx_cpu=
for i in $(seq "${RUNS:-5}"); do
  read -r w c < <(one); plain=$(best "$w" "$plain"); plain_cpu=$(best "$c" "$plain_cpu")
  read -r w c < <(one --context); ctx=$(best "$w" "$ctx"); ctx_cpu=$(best "$c" "$ctx_cpu")
done
rm -f "$OUT/context_time"
pk=$(($(wc -l < "$OUT/context_out.csv") - 1))
cols=$(head -1 "$OUT/context_out.csv" | tr , '\n' | grep -c '^ctx\.')
rm -f "$OUT/context_out.csv"
awk -v n="$pk" -v p="$plain" -v c="$ctx" -v pc="$plain_cpu" -v cc="$ctx_cpu" -v k="$cols" -v f="$(basename "$big")" 'BEGIN{
  printf "%s: %d packets\n", f, n
  printf "  mqttids extract            %8.3f s  %10.0f packets/s\n", p, n/p
  printf "  mqttids extract --context  %8.3f s  %10.0f packets/s   (%d ctx columns)\n", c, n/c, k
  printf "  CPU time (user+sys)        %8.3f s plain, %.3f s context\n", pc, cc
  printf "  throughput ratio context/plain %.2f wall, %.2f CPU (requirement >= 0.50): %s\n", p/c, pc/cc,
         (p/c >= 0.5 || pc/cc >= 0.5 ? "ok" : "TOO SLOW")
  exit !(p/c >= 0.5 || pc/cc >= 0.5) }'
