#!/usr/bin/env bash
# stream detect --db: every alert also lands in a PostgreSQL predictions table (committed
# before the offsets), one row per record with --alert-all, with the class and
# probability "mqttids predict" gives for that row of the CSV.
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/kafka_common.sh"
source "$HERE/pg_server.sh"
DOS="$SHARED/derived_from_pcap/dos_from_malariados_pcap_head.csv"
SLOW="$SHARED/derived_from_pcap/slowite_from_slowite_pcap_head.csv"
[[ -r $DOS && -r $SLOW ]] || { echo "SKIP: no shared MQTTset data"; exit 77; }
pg_start
trap 'cleanup; pg_cleanup' EXIT
T="pg-$SUFFIX"
start_brokers "$T:2" "$T.alerts:2"
"$MQTTIDS" train -q -m rf --param numTrees=5 -o "$WORK/m.model" "$DOS" "$SLOW" >/dev/null || fail "train"
"$MQTTIDS" predict -q -m "$WORK/m.model" -o "$WORK/p.csv" "$DOS" || fail "predict"
$PY - "$WORK/p.csv" >"$WORK/want.txt" <<'PYEOF'
import csv, sys
for r in csv.DictReader(open(sys.argv[1])):
    print("%s|%s|%.5g" % (r["row"], r["predicted"], float(r["p_" + r["predicted"]])))
PYEOF
N=$(wc -l <"$WORK/want.txt")
"$MQTTIDS" stream produce -q -b "$B" -t "$T" "$DOS" || fail "produce"
timeout 60 "$MQTTIDS" stream detect -b "$B" -t "$T" -g "g-$SUFFIX" -m "$WORK/m.model" --alert-all \
  --db "$PG_DSN" --db-table out.alerts --idle-exit 1500 --stats-interval 0 --json >"$WORK/det.json" 2>"$WORK/det.err" \
  || { cat "$WORK/det.err"; fail "detect --db"; }
grep -q "\"acked\":$N" <(tr -d ' \n' <"$WORK/det.json") || fail "not every alert acknowledged: $(cat "$WORK/det.json")"
pg_sql "SELECT row_id || '|' || class || '|' || to_char(probability, 'FM0.999999') FROM out.alerts ORDER BY row_id" |
  $PY -c 'import sys
for l in sys.stdin:
    a, b, c = l.strip().split("|"); print("%s|%s|%.5g" % (a, b, float(c)))' >"$WORK/got.txt"
diff "$WORK/want.txt" "$WORK/got.txt" >"$WORK/diff.txt" || { head "$WORK/diff.txt"; fail "table rows differ from predict's CSV"; }
[[ $(pg_sql "SELECT count(DISTINCT model_id) FROM out.alerts") == 1 ]] || fail "model id"
[[ $(pg_sql "SELECT count(*) FROM out.alerts WHERE detail LIKE 'flow %, partition %, offset %'") == "$N" ]] || fail "detail"
echo "PASS: $N alert rows equal predict's output"
