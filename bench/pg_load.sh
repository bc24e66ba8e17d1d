#!/usr/bin/env bash
# PostgreSQL load: "mqttids db load" (CSV reader + binary COPY, one transaction, table
# swap) against psql's own "\copy ... FROM file (FORMAT csv)" of the same file into an
# equivalent table (same column types), on the same throwaway server, in the same run.
# File: the 231,646-row resampled file (bench/make_resampled.py). Runs alternate,
# best of RUNS (default 3) each. Goal (issue 6): mqttids rows/s within 20% of \copy.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${BENCH_OUT:-$HERE/out}
MQTTIDS=${MQTTIDS:?set MQTTIDS to the mqttids binary}
SHARED=${SHARED:-$(cd "$HERE/../../shared/data/mqttset" && pwd)}
RUNS=${RUNS:-3}
mkdir -p "$OUT"
f=$OUT/resampled_231646.csv
[[ -f $f ]] || /usr/bin/python3 "$HERE/make_resampled.py" "$SHARED" "$f"
rows=$(($(wc -l <"$f") - 1))

source "$HERE/../tests/integration/pg_server.sh"
pg_start

# The peer's table: the records layout (docs/FORMATS.md) minus row_id; train_flag from a default.
cols=$(head -1 "$f" | tr '.' '_')
ddl=""
IFS=, read -r -a names <<<"$cols"
for c in "${names[@]}"; do
  case $c in
    tcp_flags|mqtt_conack_flags|mqtt_conflags|mqtt_hdrflags|mqtt_msg|mqtt_protoname|mqtt_willmsg|mqtt_willtopic|target) t=text ;;
    tcp_len) t=integer ;;
    *) t="double precision" ;;
  esac
  ddl+="$c $t, "
done
pg_sql "CREATE SCHEMA bench" >/dev/null

now() { date +%s.%N; }
best_m=999999; best_p=999999
for ((i = 1; i <= RUNS; i++)); do
  t0=$(now)
  "$MQTTIDS" db load -q --db "$PG_DSN" --table bench.mqttids --train "$f"
  t1=$(now)
  # psql: create + \copy + commit in one transaction too, like the load above
  "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$PG_DSN" >/dev/null <<EOF
SET client_min_messages = warning;
BEGIN;
DROP TABLE IF EXISTS bench.peer;
CREATE TABLE bench.peer (${ddl}train_flag integer DEFAULT 1);
\copy bench.peer ($cols) FROM '$f' WITH (FORMAT csv, HEADER true)
COMMIT;
EOF
  t2=$(now)
  best_m=$(awk -v a="$best_m" -v b="$(awk -v x="$t0" -v y="$t1" 'BEGIN{print y-x}')" 'BEGIN{print (b<a)?b:a}')
  best_p=$(awk -v a="$best_p" -v b="$(awk -v x="$t1" -v y="$t2" 'BEGIN{print y-x}')" 'BEGIN{print (b<a)?b:a}')
done
n_m=$(pg_sql "SELECT count(*) FROM bench.mqttids")
n_p=$(pg_sql "SELECT count(*) FROM bench.peer")
if [[ $n_m != "$rows" || $n_p != "$rows" ]]; then
  echo "row counts differ: file $rows, mqttids $n_m, psql $n_p"; exit 1
fi
awk -v r="$rows" -v a="$best_m" -v b="$best_p" 'BEGIN{
  printf "%s: %d rows  mqttids db load %.3f s (%.0f rows/s)  psql \\copy %.3f s (%.0f rows/s)  ratio %.2f (mqttids rows/s / psql rows/s)\n",
    "resampled_231646.csv", r, a, r/a, b, r/b, b/a }'
