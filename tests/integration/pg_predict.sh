#!/usr/bin/env bash
# predict --db --pred-table: the rows written to the predictions table equal predict's own
# CSV output (row, predicted class, probability of that class), for a file source and for
# a --db/--table source; a failing sink writes nothing.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/pg_server.sh"
pg_test_start   # W (work dir), D (head CSVs), fail

"$MQTTIDS" train -q --model rf --param numTrees=5 --train "$D/flood_from_flood_pcap_head.csv" \
  --train "$D/slowite_from_slowite_pcap_head.csv" --train "$D/dos_from_malariados_pcap_head.csv" -o "$W/m.model" >/dev/null \
  || fail "train"
in=$D/dos_from_malariados_pcap_head.csv

# expected rows from the CSV: row, class, probability of that class (6 decimals)
"$MQTTIDS" predict -q --model "$W/m.model" -o "$W/p.csv" "$in" || fail "predict"
/usr/bin/python3 - "$W/p.csv" >"$W/want.txt" <<'EOF'
import csv, sys
for r in csv.DictReader(open(sys.argv[1])):
    print("%s|%s|%.6g" % (r["row"], r["predicted"], float(r["p_" + r["predicted"]])))
EOF
rows=$(($(wc -l <"$W/p.csv") - 1))

got() {
  pg_sql "SELECT row_id || '|' || class || '|' || to_char(probability, 'FM0.999999') FROM $1 WHERE model_id = '$2' ORDER BY row_id" |
    /usr/bin/python3 -c 'import sys
for l in sys.stdin:
    a, b, c = l.strip().split("|"); print("%s|%s|%.6g" % (a, b, float(c)))'
}
# file source, DB sink (--db names only the sink here)
"$MQTTIDS" predict -q --model "$W/m.model" --db "$PG_DSN" --pred-table out.preds "$in" >"$W/stdout.txt" 2>"$W/err.txt" \
  || fail "predict --pred-table"
[[ ! -s $W/stdout.txt ]] || fail "CSV written to stdout without -o"
model_id=$(pg_sql "SELECT DISTINCT model_id FROM out.preds")
[[ -n $model_id ]] || fail "no model id"
[[ $(pg_sql "SELECT count(*) FROM out.preds") == "$rows" ]] || fail "row count"
got out.preds "$model_id" | diff "$W/want.txt" - || fail "table rows differ from predict's CSV"
[[ $(pg_sql "SELECT obj_description('out.preds'::regclass, 'pg_class')") == "mqttids predictions v1" ]] || fail "comment"

# DB source (the table loaded from the same file), DB sink, CSV with -o as well
"$MQTTIDS" db load -q --db "$PG_DSN" --table src.t "$in" || fail "db load"
"$MQTTIDS" predict -q --model "$W/m.model" --db "$PG_DSN" --table src.t --pred-table out.p2 -o "$W/p2.csv" \
  || fail "predict from the table"
cmp -s <(cut -d, -f1-8 "$W/p.csv") <(cut -d, -f1-8 "$W/p2.csv") || fail "CSV from the table differs"
got out.p2 "$model_id" | diff "$W/want.txt" - || fail "table-sourced predictions differ"

# a predictions table made ahead from "db schema" is accepted by the sink
"$MQTTIDS" db schema --pred-table ahead.preds | "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$PG_DSN" >/dev/null \
  || fail "db schema --pred-table"
"$MQTTIDS" predict -q --model "$W/m.model" --db "$PG_DSN" --pred-table ahead.preds "$in" || fail "sink into it"
got ahead.preds "$model_id" | diff "$W/want.txt" - || fail "predictions in the table made ahead differ"

# a sink that cannot be written (a view of that name) fails with exit 1 and writes nothing
pg_sql "CREATE VIEW out.v AS SELECT 1 AS x" >/dev/null
if "$MQTTIDS" predict -q --model "$W/m.model" --db "$PG_DSN" --pred-table out.v -o "$W/p3.csv" "$in" 2>"$W/err.txt"; then
  fail "sink into a view accepted"
fi
grep -q "is not a table" "$W/err.txt" || fail "sink error message"
[[ ! -e $W/p3.csv ]] || fail "CSV written although the sink failed"
# train from the table gives the same model as train from the CSV files (same rows, same order)
trn=(--train "$D/flood_from_flood_pcap_head.csv" --train "$D/slowite_from_slowite_pcap_head.csv"
     --train "$D/dos_from_malariados_pcap_head.csv")
"$MQTTIDS" db load -q --db "$PG_DSN" --table src.train "${trn[@]}" || fail "db load train"
"$MQTTIDS" train -q --model rf --param numTrees=5 --db "$PG_DSN" --table src.train -o "$W/m2.model" >/dev/null \
  || fail "train --db"
"$MQTTIDS" predict -q --model "$W/m2.model" -o "$W/p4.csv" "$in" || fail "predict with the table-trained model"
cmp -s "$W/p.csv" "$W/p4.csv" || fail "a model trained from the table predicts differently"
echo "pg_predict: ok ($rows rows)"
