#!/usr/bin/env bash
# db load + db stats + --db as a source, on a real PostgreSQL server, against:
#  - figures recomputed here with awk from the CSV files (row counts per class/split,
#    mean mqtt.len over train, mean tcp.len per class, tcp.flags counts);
#  - "mqttids stats" on the same CSV files (the same tables, number for number);
#  - reading the table back ("stats --db") giving the whole "stats" output of the CSVs.
# Also: --append / --replace, --on-error skip/fail, the table layout (types, comment).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/pg_server.sh"
pg_test_start   # W (work dir), D (head CSVs), fail

# The head CSVs split as the real data was: per class, the first 70% train, the rest test.
args=()
for c in legitimate_from_benign dos_from_malariados bruteforce_from_bruteforce malformed_from_malformed \
         slowite_from_slowite flood_from_flood; do
  f=$SHARED/derived_from_pcap/${c}_pcap_head.csv
  n=$(($(wc -l <"$f") - 1)); k=$((n * 7 / 10))
  sed -n "1,$((k + 1))p" "$f" >"$W/$c.train.csv"
  sed -n "1p;$((k + 2)),\$p" "$f" >"$W/$c.test.csv"
  args+=(--train "$W/$c.train.csv" --test "$W/$c.test.csv")
done

"$MQTTIDS" db load -q --db "$PG_DSN" "${args[@]}" || fail "db load"

# --- the table layout: types, version comment, row ids 1..n in input order
types=$(pg_sql "SELECT string_agg(attname || ':' || format_type(atttypid, atttypmod), ',' ORDER BY attnum)
                FROM pg_attribute WHERE attrelid = 'mqtt.mqtt_reduced'::regclass AND attnum > 0")
for want in tcp_flags:text tcp_time_delta:'double precision' tcp_len:integer mqtt_msg:text mqtt_hdrflags:text \
            mqtt_len:'double precision' mqtt_willtopic_len:'double precision' target:text train_flag:integer row_id:bigint; do
  [[ ",$types," == *",$want,"* ]] || fail "column type $want missing in: $types"
done
[[ $(pg_sql "SELECT obj_description('mqtt.mqtt_reduced'::regclass, 'pg_class')") == "mqttids records v1" ]] \
  || fail "table comment"
total=$(cat "$W"/*.csv | grep -vc '^tcp.flags')
[[ $(pg_sql "SELECT count(*) || ' ' || min(row_id) || ' ' || max(row_id) FROM mqtt.mqtt_reduced") == "$total 1 $total" ]] \
  || fail "row ids"
# first train row of the first input is row 1, verbatim (hex text kept as written)
first=$(sed -n 2p "$W/legitimate_from_benign.train.csv" | cut -d, -f1,3,17)
[[ $(pg_sql "SELECT tcp_flags || ',' || tcp_len || ',' || mqtt_hdrflags FROM mqtt.mqtt_reduced WHERE row_id = 1") == "$first" ]] \
  || fail "row 1 is not the first CSV row"

# --- independent figures (awk over the CSVs) vs db stats --json
awk -F, 'FNR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; sp = FILENAME ~ /[.]train[.]csv$/ ? "train" : "test"; next }
  { cls = $NF; n[sp "," cls]++; tl[cls] += $col["tcp.len"]; tn[cls]++; fl[$col["tcp.flags"]]++
    if (sp == "train") { ml += $col["mqtt.len"]; mn++ } }
  END { for (k in n) printf "count %s %d\n", k, n[k]
        for (c in tl) printf "tcp_len %s %.9f\n", c, tl[c] / tn[c]
        printf "mqtt_len_train %.9f\n", ml / mn
        for (f in fl) printf "flag %s %d\n", f, fl[f] }' "$W"/*.csv | sort >"$W/awk.txt"
"$MQTTIDS" db stats --db "$PG_DSN" --top 20 --json >"$W/db.json" || fail "db stats --json"
/usr/bin/python3 - "$W/db.json" <<'EOF' | sort >"$W/db_fig.txt"
import json, sys
d = json.load(open(sys.argv[1]))
for sp in ("train", "test"):
    for c, v in d["counts"][sp].items():
        if v: print("count %s,%s %d" % (sp, c, v))
for c, v in d["mean_tcp_len"]["all"].items(): print("tcp_len %s %.9f" % (c, v))
print("mqtt_len_train %.9f" % d["mean_mqtt_len_train"])
for t in d["top_tcp_flags"]: print("flag %s %d" % (t["value"], t["count"]))
EOF
diff "$W/awk.txt" "$W/db_fig.txt" || fail "db stats --json differs from the figures computed with awk"

# --- db stats prints the same tables as stats on the same files (every section)
for opts in "--top 5" "--top 8 --zero-threshold 0.5 --corr-threshold 0.8"; do
  "$MQTTIDS" stats -q $opts "${args[@]}" >"$W/a.txt" || fail "stats"
  "$MQTTIDS" db stats --db "$PG_DSN" $opts >"$W/b.txt" || fail "db stats"
  for sec in "Rows per split" "Columns: nulls" "Distinct values" "Mean mqtt.len" "Mean tcp.len" "Top [0-9]+ tcp.flags" \
             "Correlation matrix" "IQR outliers" "Columns the rules drop"; do
    grep -Eq "^$sec" "$W/b.txt" || fail "db stats: no section '$sec'"
  done
  diff "$W/a.txt" "$W/b.txt" || fail "db stats $opts differs from stats"
done
cp "$W/b.txt" "$W/db_stats.txt"
"$MQTTIDS" stats -q --json "${args[@]}" >"$W/csv.json"
"$MQTTIDS" db stats --db "$PG_DSN" --json >"$W/db5.json"
/usr/bin/python3 - "$W/csv.json" "$W/db5.json" <<'EOF2' || fail "json differs"
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert b.pop("source") == "postgresql" and b.pop("table") == "mqtt.mqtt_reduced"
a.pop("inputs")
assert a.keys() == b.keys(), (a.keys() ^ b.keys())
def same(x, y, path):
    # counts and texts exactly; floats to 1e-9 (r is computed by corr() on the server)
    if isinstance(x, float) or isinstance(y, float):
        assert isinstance(x, (int, float)) and isinstance(y, (int, float)), path
        assert abs(x - y) <= 1e-9 * max(1.0, abs(x)), (path, x, y)
    elif isinstance(x, dict):
        assert x.keys() == y.keys(), path
        for k in x: same(x[k], y[k], path + "." + k)
    elif isinstance(x, list):
        assert len(x) == len(y), path
        for i, (p, q) in enumerate(zip(x, y)): same(p, q, "%s[%d]" % (path, i))
    else:
        assert x == y, (path, x, y)
same(a, b, "")
EOF2

# --- reading back through --db: the whole stats output equals the CSV's
"$MQTTIDS" stats -q "${args[@]}" >"$W/a.txt"
"$MQTTIDS" stats -q --db "$PG_DSN" --table mqtt.MQTT_Reduced >"$W/b.txt" || fail "stats --db"
diff "$W/a.txt" "$W/b.txt" || fail "stats --db differs from stats on the CSV files"
# a URI over TCP and the PG* environment reach the same table
"$MQTTIDS" stats -q --db "$PG_URI" >"$W/c.txt" || fail "stats --db URI"
diff -q "$W/a.txt" "$W/c.txt" >/dev/null || fail "URI read differs"
PGHOST=$PGTMP PGPORT=$PGPORT PGUSER=postgres PGDATABASE=mqttids_test "$MQTTIDS" db stats --db '' >"$W/d.txt" \
  || fail "db stats from PG* variables"
PGHOST=$PGTMP PGPORT=$PGPORT PGUSER=postgres "$MQTTIDS" db stats --db mqttids_test >"$W/e.txt" \
  || fail "db stats with a bare database name"
diff -q "$W/d.txt" "$W/e.txt" >/dev/null || fail "bare database name reads another table"
diff -q "$W/db_stats.txt" <("$MQTTIDS" db stats --db "$PG_DSN" --top 8 --zero-threshold 0.5 --corr-threshold 0.8) \
  >/dev/null || fail "stats not repeatable"

# --table without --db is a usage error, not silently ignored
rc=0; "$MQTTIDS" stats -q --table mqtt.mqtt_reduced "${args[@]}" >/dev/null 2>"$W/err.txt" || rc=$?
[[ $rc == 2 ]] && grep -q "give the database with --db" "$W/err.txt" || fail "--table without --db: exit $rc"

# --- append doubles every count; replace brings it back
"$MQTTIDS" db load -q --append --db "$PG_DSN" "${args[@]}" || fail "append"
[[ $(pg_sql "SELECT count(*) || ' ' || count(DISTINCT row_id) || ' ' || max(row_id) FROM mqtt.mqtt_reduced") \
   == "$((2 * total)) $((2 * total)) $((2 * total))" ]] || fail "append row ids"
"$MQTTIDS" db load -q --replace --db "$PG_DSN" "${args[@]}" || fail "replace"
[[ $(pg_sql "SELECT count(*) FROM mqtt.mqtt_reduced") == "$total" ]] || fail "replace count"

# --- a table shaped like the study's own (no row_id, other types, upper-case names) reads the same
pg_sql "CREATE SCHEMA study;
        CREATE TABLE study.u AS SELECT * FROM mqtt.mqtt_reduced ORDER BY row_id;
        ALTER TABLE study.u DROP COLUMN row_id;
        ALTER TABLE study.u ALTER mqtt_msgtype TYPE integer, ALTER tcp_len TYPE bigint,
                            ALTER mqtt_len TYPE real, ALTER train_flag TYPE smallint;
        CREATE TABLE study.t AS SELECT * FROM study.u;
        ALTER TABLE study.t RENAME tcp_flags TO \"TCP_FLAGS\";
        ALTER TABLE study.t RENAME mqtt_len TO \"Mqtt_Len\";" >/dev/null || fail "study-shaped tables"
"$MQTTIDS" stats -q "${args[@]}" >"$W/a.txt"
"$MQTTIDS" stats -q --db "$PG_DSN" --table study.t >"$W/b.txt" || fail "stats --db on a study-shaped table"
diff "$W/a.txt" "$W/b.txt" || fail "study-shaped table reads differently"
"$MQTTIDS" db stats --db "$PG_DSN" --table study.u >"$W/b.txt" || fail "db stats on a study-shaped table"
diff "$W/a.txt" "$W/b.txt" || fail "db stats on a study-shaped table differs"

# --- tables made ahead from "db schema" take an --append load and read back the same
"$MQTTIDS" db schema --table 'pre."Made ""here"""' >"$W/schema.sql" || fail "db schema"
"$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$PG_DSN" -f "$W/schema.sql" >/dev/null || fail "running db schema's SQL"
"$MQTTIDS" db load -q --append --db "$PG_DSN" --table 'pre."Made ""here"""' "${args[@]}" || fail "append into it"
"$MQTTIDS" db stats --db "$PG_DSN" --table 'pre."Made ""here"""' >"$W/b.txt" || fail "db stats on it"
"$MQTTIDS" stats -q "${args[@]}" >"$W/a.txt"
diff "$W/a.txt" "$W/b.txt" || fail "table made by db schema: stats differ"

# --- bad rows follow --on-error: skip loads the good rows, fail changes nothing
f=$W/flood_from_flood.train.csv
{ cat "$f"; sed -n 2p "$f" | sed 's/^0x[0-9a-f]*,/0xZZ,/'; } >"$W/bad.csv"
good=$(($(wc -l <"$f") - 1))
if "$MQTTIDS" db load -q --db "$PG_DSN" --table t.bad --train "$W/bad.csv" 2>"$W/err.txt"; then fail "bad row accepted"; fi
grep -q "bad.csv:$((good + 2)):1 (tcp.flags)" "$W/err.txt" || { cat "$W/err.txt"; fail "bad row message"; }
[[ $(pg_sql "SELECT count(*) FROM pg_tables WHERE schemaname = 't'") == 0 ]] || fail "failed load left a table"
"$MQTTIDS" db load -q --db "$PG_DSN" --table t.bad --on-error skip --reject "$W/rej.txt" --train "$W/bad.csv" \
  || fail "skip"
[[ $(pg_sql "SELECT count(*) FROM t.bad") == "$good" ]] || fail "skip count"
grep -q "0xZZ" "$W/rej.txt" || fail "reject file"
# invalid UTF-8 in a text field (issue 16): the reader rejects the row, so --on-error skip
# loads the others (PostgreSQL refused the whole COPY before)
{ cat "$f"; sed -n 2p "$f" | awk -F, -v OFS=, '{$32 = "w\xff\xfet"; print}'; } >"$W/utf8.csv"
"$MQTTIDS" db load -q --db "$PG_DSN" --table t.utf8 --on-error skip --reject "$W/rej8.txt" --train "$W/utf8.csv" \
  2>"$W/err.txt" || { cat "$W/err.txt"; fail "skip invalid UTF-8"; }
[[ $(pg_sql "SELECT count(*) FROM t.utf8") == "$good" ]] || fail "invalid UTF-8: skip count"
grep -q "(mqtt.willtopic): mqtt.willtopic must be UTF-8 text" "$W/rej8.txt" || fail "invalid UTF-8: reject file"

echo "pg_load_stats: ok ($total rows)"
